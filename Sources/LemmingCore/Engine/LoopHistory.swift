import LemmingJSON

/// What ``LoopDetector`` remembers about an agent's recent acting turns: small, bounded, and kept in
/// `state/agents.json` with the agent's runtime (under `"loop"`).
///
/// At most ``maximumTurns`` turns, each a few hundred bytes: two sketches of 16 hashes (hex), the
/// fingerprint of its actions, an excerpt of at most ``maximumExcerptCharacters``, and at most four
/// partners. Its JSON:
///
///     {"streak": 2,
///      "turns": [{"tick": 4, "fingerprint": "9c1f…", "reply": "0a1b2c3d…", "input": "…", "items": "…",
///                 "text": "Thank you so much for your help!", "partners": ["bob"], "progress": false}]}
///
/// Malformed JSON reads as an empty history: it is derived data, never a reason to fail.
public struct LoopHistory: Sendable, Equatable {
    /// The most turns kept, whatever the window.
    public static let maximumTurns = 16
    /// The longest excerpt kept, in characters.
    public static let maximumExcerptCharacters = 80

    /// One acting turn, as the detector saw it.
    public struct Turn: Sendable, Equatable {
        /// The tick it ran in.
        public var tick: Int
        /// ``LoopDetector/fingerprint(_:)`` of its actions.
        public var fingerprint: String
        /// The sketch of its actions' words and items.
        public var reply: [UInt32]
        /// The sketch of what it was given: inbox entries and tool results.
        public var input: [UInt32]
        /// Hashes of its tool calls and memory updates (at most `LoopSketch.size`).
        public var items: [UInt32]
        /// The start of its first entry's text, or of its first tool call.
        public var excerpt: String
        /// The agents whose entries were in its inbox (not `human`), sorted, at most four.
        public var partners: [String]
        /// Whether it brought or received new information.
        public var madeProgress: Bool

        var json: JSONValue {
            [
                "tick": .int(tick), "fingerprint": .string(fingerprint), "reply": .string(LoopSketch.encode(reply)),
                "input": .string(LoopSketch.encode(input)), "items": .string(LoopSketch.encode(items)),
                "text": .string(excerpt), "partners": .strings(partners), "progress": .bool(madeProgress),
            ]
        }

        init(
            tick: Int, fingerprint: String, reply: [UInt32], input: [UInt32], items: [UInt32], excerpt: String,
            partners: [String], madeProgress: Bool
        ) {
            self.tick = tick
            self.fingerprint = String(fingerprint.prefix(32))
            self.reply = Array(reply.prefix(LoopSketch.size))
            self.input = Array(input.prefix(LoopSketch.size))
            self.items = Array(items.prefix(LoopSketch.size))
            self.excerpt = LoopHistory.excerpt(excerpt)
            self.partners = Array(partners.prefix(4))
            self.madeProgress = madeProgress
        }

        init?(json value: JSONValue) {
            guard let tick = value["tick"]?.intValue, let fingerprint = value["fingerprint"]?.stringValue else {
                return nil
            }
            self.init(
                tick: tick, fingerprint: fingerprint, reply: LoopSketch.decode(value["reply"]?.stringValue ?? ""),
                input: LoopSketch.decode(value["input"]?.stringValue ?? ""),
                items: LoopSketch.decode(value["items"]?.stringValue ?? ""),
                excerpt: value["text"]?.stringValue ?? "",
                partners: value["partners"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                madeProgress: value["progress"]?.boolValue ?? true)
        }
    }

    /// The recent acting turns, oldest first.
    public internal(set) var turns: [Turn] = []
    /// How many of the latest turns in a row made no progress.
    public internal(set) var streak = 0

    /// No turns remembered.
    public init() {}

    /// Whether it remembers nothing (no turn, no streak).
    public var isEmpty: Bool { turns.isEmpty && streak == 0 }

    /// The history as kept in `state/agents.json` (`loop`).
    public var json: JSONValue {
        ["streak": .int(streak), "turns": .array(turns.map(\.json))]
    }

    /// Reads ``json``; malformed parts read as empty.
    public init(json value: JSONValue) {
        turns = Array((value["turns"]?.arrayValue ?? []).compactMap(Turn.init(json:)).suffix(Self.maximumTurns))
        streak = min(max(0, value["streak"]?.intValue ?? 0), turns.count)
    }

    /// The start of `text` on one line: at most ``maximumExcerptCharacters`` Unicode scalars, line
    /// breaks and tabs as spaces, `…` when it was cut.
    static func excerpt(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var scalars = 0
            var end = 0
            var isCut = false
            var hasBreaks = false
            while end < bytes.count {
                if bytes[end] & 0xC0 != 0x80 {
                    // The first byte of a scalar.
                    if scalars == maximumExcerptCharacters {
                        isCut = true
                        break
                    }
                    scalars += 1
                }
                if bytes[end] < 0x20 { hasBreaks = true }
                end += 1
            }
            if isCut {
                // Back to the start of the last scalar kept, to make room for the ellipsis.
                end -= 1
                while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            }
            var line = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
            if hasBreaks {
                line = String(line.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : Character($0) })
            }
            return isCut ? line + "…" : line
        }
    }

    /// Adds a turn, keeping the last `window` (at most ``maximumTurns``).
    mutating func append(_ turn: Turn, window: Int) {
        turns.append(turn)
        let keep = min(max(1, window), Self.maximumTurns)
        if turns.count > keep { turns.removeFirst(turns.count - keep) }
    }
}
