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

    /// The id of an outbox file name of `author` (`00000042-manager-01.json`); `nil` for other files.
    public init?(fileName name: String, author: String) {
        guard name.hasSuffix(".json"), let id = EntryID(name.dropLast(5)), id.agent == author else { return nil }
        self = id
    }

    public var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 + agent.utf8.count)
        Self.appendDigits(tick, minimumWidth: 8, to: &bytes)
        bytes.append(0x2D)
        bytes.append(contentsOf: agent.utf8)
        bytes.append(0x2D)
        Self.appendDigits(sequence, minimumWidth: 2, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDigits(_ value: Int, minimumWidth: Int, to bytes: inout [UInt8]) {
        guard value >= 0 else {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        var digits: [UInt8] = []
        var remaining = value
        repeat {
            digits.append(UInt8(0x30 + remaining % 10))
            remaining /= 10
        } while remaining > 0
        if digits.count < minimumWidth {
            bytes.append(contentsOf: repeatElement(0x30, count: minimumWidth - digits.count))
        }
        bytes.append(contentsOf: digits.reversed())
    }

    public var description: String { text }

    public static func < (lhs: EntryID, rhs: EntryID) -> Bool {
        if lhs.tick != rhs.tick { return lhs.tick < rhs.tick }
        if lhs.agent != rhs.agent { return Names.precedes(lhs.agent, rhs.agent) }
        return lhs.sequence < rhs.sequence
    }
}
