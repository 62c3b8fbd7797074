import LemmingJSON

/// Recognises an agent that makes no progress (DESIGN §5.5, issue 11 item 11): the same actions
/// again, near-identical entries, or two agents trading entries that carry no new information.
///
/// It is pure: ``observe(_:inbox:toolResults:tick:history:)`` looks at one acting turn and the
/// agent's ``LoopHistory`` (which the engine keeps in `state/agents.json`) and says whether the
/// agent is looping. A turn *makes no progress* when
/// - its actions are identical to those of one of the last ``Configuration/window`` acting turns
///   (its ``fingerprint(_:)``; this catches rotations of a few fixed replies, whatever came in), or
/// - nothing new came in (no entry from `human`, and fewer than
///   ``Configuration/minimumNewWords`` words of its inbox and tool results absent from its recent
///   replies and inputs) **and** its actions bring nothing new either (no new tool call or memory
///   update, and fewer new words than that beyond what it remembers and was given) or are a
///   near-duplicate (word similarity ≥ ``Configuration/similarity``) of a recent reply.
///
/// ``Configuration/repeatLimit`` turns in a row — one, then that many minus one that make no
/// progress — are a loop. Turns without actions neither extend nor break a streak. Words are compared
/// as hashed sketches (`LoopSketch`), so long texts are sampled; every approximation errs towards
/// "new", that is towards not flagging.
public struct LoopDetector: Sendable {
    /// How eagerly it flags a loop.
    public struct Configuration: Sendable, Equatable {
        /// Turns in a row that make no progress, counting the turn they repeat, before the agent is
        /// paused (`loop_detection.repeat_limit`); 0 disables detection.
        public var repeatLimit = 5
        /// Acting turns remembered and compared with.
        public var window = 4
        /// Word similarity (0…1) from which two replies are near-duplicates.
        public var similarity = 0.8
        /// Fewest new words that make a short text new information.
        public var minimumNewWords = 2

        /// The defaults, with `repeatLimit` turns in a row (0 disables detection).
        public init(repeatLimit: Int = 5) {
            self.repeatLimit = repeatLimit
        }
    }

    /// How eagerly it flags a loop.
    public var configuration: Configuration

    /// Turns in a row with the same fingerprint that count as a loop; 0 disables detection.
    public var repeatLimit: Int { configuration.repeatLimit }

    /// A detector with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// A detector with the default configuration and `repeatLimit` (0 disables detection).
    public init(repeatLimit: Int) {
        self.configuration = Configuration(repeatLimit: repeatLimit)
    }

    /// Looks at one turn and updates the agent's history.
    ///
    /// - Parameters:
    ///   - reply: the turn's parsed reply; a reply without actions changes nothing.
    ///   - inbox: the entries the turn was shown.
    ///   - toolResults: the results of the previous turn's calls, shown in this turn's prompt.
    ///   - tick: the turn's tick.
    ///   - history: the agent's history, updated in place (the streak starts over after a verdict).
    /// - Returns: a verdict when this turn completes a loop, else `nil`.
    public func observe(
        _ reply: ParsedReply,
        inbox: [OutboxEntry],
        toolResults: [ToolResult] = [],
        tick: Int,
        history: inout LoopHistory
    ) -> LoopVerdict? {
        guard reply.hasActions, let fingerprint = Self.fingerprint(reply) else { return nil }
        let recent = history.turns.suffix(configuration.window)

        var inputWords: [UInt32] = []
        for entry in inbox { LoopSketch.addWords(of: entry.text, to: &inputWords) }
        for result in toolResults {
            LoopSketch.addWords(of: result.output, to: &inputWords)
            LoopSketch.addWords(of: result.error ?? "", to: &inputWords)
        }
        let input = LoopSketch.set(inputWords)
        var replyWords: [UInt32] = []
        for entry in reply.entries { LoopSketch.addWords(of: entry.text, to: &replyWords) }
        let words = LoopSketch.set(replyWords)
        var items: [UInt32] = []
        for call in reply.toolCalls {
            items.append(LoopSketch.hash(item: .object(call.arguments), prefix: "t|\(call.tool)|"))
        }
        for update in reply.memoryUpdates {
            items.append(LoopSketch.hash(item: update.value, prefix: "m|\(update.key)|\(update.operation.rawValue)|"))
        }
        items = LoopSketch.set(items)
        let sketch = LoopSketch.sample(LoopSketch.union(words, items))

        var known: [UInt32] = []
        var knownItems: [UInt32] = []
        for turn in recent {
            known = LoopSketch.union(known, LoopSketch.union(turn.reply, turn.input))
            knownItems = LoopSketch.union(knownItems, turn.items)
        }
        let isIdentical = recent.contains { $0.fingerprint == fingerprint }
        let isNewInput =
            inbox.contains { $0.author == Names.human }
            || LoopSketch.isNew(input, comparedWith: known, minimum: configuration.minimumNewWords)
        let bringsNew =
            items.contains { !LoopSketch.contains(knownItems, $0) }
            || LoopSketch.isNew(
                words, comparedWith: LoopSketch.union(known, input), minimum: configuration.minimumNewWords)
        let isNearDuplicate = recent.contains { LoopSketch.similarity(sketch, $0.reply) >= configuration.similarity }
        // A first turn (nothing to compare with) starts the history: it is not a turn without progress.
        let madeProgress = recent.isEmpty || (!isIdentical && (isNewInput || (bringsNew && !isNearDuplicate)))

        let partners = Set(inbox.map(\.author).filter { $0 != Names.human }).sorted(by: Names.precedes)
        history.append(
            LoopHistory.Turn(
                tick: tick, fingerprint: fingerprint, reply: sketch, input: LoopSketch.sample(input),
                items: items, excerpt: Self.excerpt(reply), partners: partners, madeProgress: madeProgress),
            window: max(configuration.window, configuration.repeatLimit))
        history.streak = madeProgress ? 0 : history.streak + 1
        guard configuration.repeatLimit > 0, history.streak + 1 >= configuration.repeatLimit else { return nil }
        let verdict = Self.verdict(history, turns: history.streak + 1)
        history.streak = 0
        return verdict
    }

    private static func verdict(_ history: LoopHistory, turns: Int) -> LoopVerdict {
        let loop = Array(history.turns.suffix(turns))
        var excerpts: [String] = []
        for turn in loop where !turn.excerpt.isEmpty && !excerpts.contains(turn.excerpt) {
            excerpts.append(turn.excerpt)
        }
        let partners = Set(loop.flatMap(\.partners)).sorted(by: Names.precedes)
        let kind: LoopVerdict.Kind
        if Set(loop.map(\.fingerprint)).count == 1 {
            kind = .repeatedActions
        } else if !partners.isEmpty {
            kind = .pingPong
        } else {
            kind = .nearDuplicates
        }
        return LoopVerdict(
            kind: kind, turns: turns, ticks: loop.map(\.tick), excerpts: Array(excerpts.prefix(4)), partners: partners)
    }

    private static func excerpt(_ reply: ParsedReply) -> String {
        let text: String
        if let entry = reply.entries.first {
            text = entry.text
        } else if let call = reply.toolCalls.first {
            text = "\(call.tool) \(JSONValue.object(call.arguments).compactText)"
        } else if let update = reply.memoryUpdates.first {
            text = "memory \(update.key) \(update.operation.rawValue)"
        } else {
            text = ""
        }
        return LoopHistory.excerpt(text)
    }

    /// The fingerprint of a reply's actions, or `nil` when it has none.
    ///
    /// It covers its entries (kind, recipients and text with ASCII case and runs of spacing
    /// normalised, so near-identical texts match), its tool calls (name and arguments) and its memory
    /// updates (key, operation, value).
    public static func fingerprint(_ reply: ParsedReply) -> String? {
        guard reply.hasActions else { return nil }
        var hash = FNV64()
        for entry in reply.entries {
            hash.add("e|")
            hash.add(entry.kind)
            hash.add(0x7C)
            if let recipients = entry.recipients {
                for (position, name) in recipients.enumerated() {
                    if position > 0 { hash.add(0x2C) }
                    hash.add(name)
                }
            } else {
                hash.add(0x2A)
            }
            hash.add(0x7C)
            var pendingSpace = false
            var text = entry.text
            text.withUTF8 { bytes in
                for byte in bytes {
                    switch byte {
                    case 0x20, 0x0A, 0x09, 0x0D:
                        pendingSpace = true
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                        if pendingSpace { hash.add(0x20) }
                        pendingSpace = false
                        hash.add(byte + 32)
                    default:
                        if pendingSpace { hash.add(0x20) }
                        pendingSpace = false
                        hash.add(byte)
                    }
                }
            }
            hash.add(0x0A)
        }
        for call in reply.toolCalls {
            hash.add("t|\(call.tool)|")
            hash.add(JSONWriter(style: .compact).bytes(.object(call.arguments)))
            hash.add(0x0A)
        }
        for update in reply.memoryUpdates {
            hash.add("m|\(update.key)|\(update.operation.rawValue)|")
            hash.add(JSONWriter(style: .compact).bytes(update.value))
            hash.add(0x0A)
        }
        return hash.hex
    }

    /// 64-bit FNV-1a, fed piece by piece.
    private struct FNV64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }

        mutating func add(_ bytes: [UInt8]) {
            for byte in bytes { add(byte) }
        }

        mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes { add(byte) }
            }
        }

        /// Stable across runs and machines (unlike `Hasher`).
        var hex: String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
