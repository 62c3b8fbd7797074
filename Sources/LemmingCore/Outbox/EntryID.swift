/// The deterministic id of an outbox entry: `00000042-manager-01`.
///
/// Zero-padded tick (8 digits), author, and the entry's sequence number among the author's
/// entries of that tick (at least 2 digits). Ids compare by (tick, author, sequence) as numbers,
/// so order is right even past 99 entries in a tick. The file name of an entry is `<id>.json`.
public struct EntryID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var tick: Int
    public var agent: String
    public var sequence: Int

    public init(tick: Int, agent: String, sequence: Int) {
        self.tick = tick
        self.agent = agent
        self.sequence = sequence
    }

    /// Parses `00000042-manager-01`; `nil` for anything else.
    ///
    /// Only the canonical form is accepted (no zero padding beyond 8 and 2 digits), so that one id
    /// has exactly one text and one file name.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 8, parts[2].count >= 2,
            parts[0].count == 8 || parts[0].first != "0", parts[2].count == 2 || parts[2].first != "0",
            parts[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            parts[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let tick = Int(parts[0]), let sequence = Int(parts[2]),
            Names.isValidAgentName(String(parts[1]))
        else { return nil }
        self.init(tick: tick, agent: String(parts[1]), sequence: sequence)
    }

    public var text: String {
        let tickDigits = String(tick)
        let sequenceDigits = String(sequence)
        let tickPart =
            tickDigits.count >= 8 ? tickDigits : String(repeating: "0", count: 8 - tickDigits.count) + tickDigits
        let sequencePart = sequenceDigits.count >= 2 ? sequenceDigits : "0" + sequenceDigits
        return tickPart + "-" + agent + "-" + sequencePart
    }

    public var description: String { text }

    public static func < (lhs: EntryID, rhs: EntryID) -> Bool {
        if lhs.tick != rhs.tick { return lhs.tick < rhs.tick }
        if lhs.agent != rhs.agent { return Names.precedes(lhs.agent, rhs.agent) }
        return lhs.sequence < rhs.sequence
    }
}
