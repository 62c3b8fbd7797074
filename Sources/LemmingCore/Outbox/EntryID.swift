/// The deterministic id of an outbox entry: `00000042-manager-01`.
///
/// Zero-padded tick (8 digits), author, and the entry's sequence number among the author's
/// entries of that tick (at least 2 digits). Ids compare by (tick, author, sequence) as numbers,
/// so order is right even past 99 entries in a tick. The file name of an entry is `<id>.json`.
public struct EntryID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The tick the entry was written in (≥ 1; 8 digits in the text).
    public var tick: Int
    /// The author's name.
    public var agent: String
    /// The entry's number among the author's entries of that tick, from 1 (at least 2 digits in the text).
    public var sequence: Int

    /// The id of the `sequence`-th entry of `agent` in `tick`.
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
        var text = String(text)
        guard let id = text.withUTF8({ Self.parse($0, author: nil) }) else { return nil }
        self = id
    }

    /// The id of an outbox file name of `author` (`00000042-manager-01.json`); `nil` for other files.
    public init?(fileName name: String, author: String) {
        var name = name
        guard let id = name.withUTF8({ EntryID(fileName: $0, author: author) }) else { return nil }
        self = id
    }

    /// The id of an outbox file name given as bytes, without building a string per name (outbox
    /// folders are listed often and hold thousands of entries); the id shares `author`'s storage.
    public init?(fileName bytes: UnsafeBufferPointer<UInt8>, author: String) {
        guard bytes.count > 5, bytes[(bytes.count - 5)...].elementsEqual(".json".utf8),
            let id = Self.parse(UnsafeBufferPointer(rebasing: bytes[..<(bytes.count - 5)]), author: author)
        else { return nil }
        self = id
    }

    /// `<tick: 8+ digits>-<agent>-<sequence: 2+ digits>`, canonical; with `author`, the agent must be it.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, author: String?) -> EntryID? {
        guard let first = bytes.firstIndex(of: 0x2D), let last = bytes.lastIndex(of: 0x2D), first < last,
            let tick = canonicalNumber(bytes[..<first], minimumWidth: 8),
            let sequence = canonicalNumber(bytes[(last + 1)...], minimumWidth: 2)
        else { return nil }
        let middle = bytes[(first + 1)..<last]
        let agent: String
        if let author {
            guard middle.elementsEqual(author.utf8) else { return nil }
            agent = author
        } else {
            agent = String(decoding: middle, as: UTF8.self)
        }
        guard Names.isValidAgentName(agent) else { return nil }
        return EntryID(tick: tick, agent: agent, sequence: sequence)
    }

    /// Digits only, at least `minimumWidth` of them, zero-padded to exactly that width when padded.
    private static func canonicalNumber(_ digits: Slice<UnsafeBufferPointer<UInt8>>, minimumWidth: Int) -> Int? {
        guard digits.count >= minimumWidth, digits.count == minimumWidth || digits.first != 0x30 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(Int(digit - 0x30))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// The canonical text: `00000042-manager-01`.
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

    /// The canonical ``text``.
    public var description: String { text }

    /// By tick, then author (Unicode code points), then sequence, as numbers.
    public static func < (lhs: EntryID, rhs: EntryID) -> Bool {
        if lhs.tick != rhs.tick { return lhs.tick < rhs.tick }
        if lhs.agent != rhs.agent { return Names.precedes(lhs.agent, rhs.agent) }
        return lhs.sequence < rhs.sequence
    }
}
