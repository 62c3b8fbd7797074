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
/// as hashed sketches (``LoopSketch``), so long texts are sampled; every approximation errs towards
/// "new", that is towards not flagging.
public struct LoopDetector: Sendable {
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

        public init(repeatLimit: Int = 5) {
            self.repeatLimit = repeatLimit
        }
    }

    public var configuration: Configuration

    /// Turns in a row with the same fingerprint that count as a loop; 0 disables detection.
    public var repeatLimit: Int { configuration.repeatLimit }

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

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

        var input = Set<UInt32>()
        for entry in inbox { LoopSketch.addWords(of: entry.text, to: &input) }
        for result in toolResults {
            LoopSketch.addWords(of: result.output, to: &input)
            LoopSketch.addWords(of: result.error ?? "", to: &input)
        }
        var words = Set<UInt32>()
        for entry in reply.entries { LoopSketch.addWords(of: entry.text, to: &words) }
        var items: [UInt32] = []
        for call in reply.toolCalls {
            items.append(LoopSketch.hash(item: "t|\(call.tool)|\(JSONValue.object(call.arguments).compactText)"))
        }
        for update in reply.memoryUpdates {
            items.append(
                LoopSketch.hash(item: "m|\(update.key)|\(update.operation.rawValue)|\(update.value.compactText)"))
        }
        let actions = words.union(items)

        var known = Set<UInt32>()
        var knownItems = Set<UInt32>()
        for turn in recent {
            known.formUnion(turn.reply)
            known.formUnion(turn.input)
            knownItems.formUnion(turn.items)
        }
        let sketch = LoopSketch.sample(actions)
        let isIdentical = recent.contains { $0.fingerprint == fingerprint }
        let isNewInput =
            inbox.contains { $0.author == Names.human }
            || LoopSketch.isNew(input, comparedWith: known, minimum: configuration.minimumNewWords)
        let bringsNew =
            items.contains { !knownItems.contains($0) }
            || LoopSketch.isNew(words, comparedWith: known.union(input), minimum: configuration.minimumNewWords)
        let isNearDuplicate = recent.contains { LoopSketch.similarity(sketch, $0.reply) >= configuration.similarity }
        let madeProgress = !isIdentical && (isNewInput || (bringsNew && !isNearDuplicate))

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
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard line.count > LoopHistory.maximumExcerptCharacters else { return line }
        return String(line.prefix(LoopHistory.maximumExcerptCharacters - 1)) + "…"
    }

    /// The fingerprint of a reply's actions, or `nil` when it has none.
    ///
    /// It covers its entries (kind, recipients and text with case and spacing normalised, so
    /// near-identical texts match) and its tool calls (name and arguments).
    public static func fingerprint(_ reply: ParsedReply) -> String? {
        guard reply.hasActions else { return nil }
        var text = ""
        for entry in reply.entries {
            text += "e|\(entry.kind)|\(entry.recipients?.joined(separator: ",") ?? "*")|\(normalise(entry.payload))\n"
        }
        for call in reply.toolCalls {
            text += "t|\(call.tool)|\(JSONValue.object(call.arguments).compactText)\n"
        }
        for update in reply.memoryUpdates {
            text += "m|\(update.key)|\(update.operation.rawValue)|\(update.value.compactText)\n"
        }
        return fnv1a(text)
    }

    private static func normalise(_ payload: JSONObject) -> String {
        let text = payload["text"]?.stringValue ?? JSONValue.object(payload).compactText
        return text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
    }

    /// 64-bit FNV-1a, hex: stable across runs and machines (unlike `Hasher`).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Updates a runtime's streak of identical fingerprints: the engine's check until it calls
    /// ``observe(_:inbox:toolResults:tick:history:)`` instead.
    ///
    /// - Returns: `true` when the streak reached the limit (a loop).
    public func record(_ fingerprint: String?, in runtime: inout AgentRuntime) -> Bool {
        guard let fingerprint else { return false }
        if runtime.repeatFingerprint == fingerprint {
            runtime.repeatCount += 1
        } else {
            runtime.repeatFingerprint = fingerprint
            runtime.repeatCount = 1
        }
        return repeatLimit > 0 && runtime.repeatCount >= repeatLimit
    }
}
