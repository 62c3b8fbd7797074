import LemmingJSON

/// The org-level settings of `lemming.json` (DESIGN §4.5), every one with a default.
public struct OrgConfig: Sendable, Equatable {
    /// How the turns of a tick run (DESIGN §5.2).
    public enum Execution: String, Sendable {
        /// Every firing agent sees the org as it was at the start of the tick; calls overlap.
        case parallel
        /// Agents run one by one and see entries written earlier in the same tick.
        case sequential
    }

    /// Bounds on what one turn is shown.
    public struct InboxLimits: Sendable, Equatable {
        public var maxEntries = 20
        public var maxCharacters = 16_000
    }

    /// Caps on memory (DESIGN §4.3).
    public struct MemoryLimits: Sendable, Equatable {
        /// The largest value of one key, as compact JSON bytes.
        public var maxValueBytes = 16_384
        /// The largest total of an agent's values.
        public var maxAgentBytes = 262_144
        public var maxKeys = 256
        /// How much memory the prompt shows, most recently updated first.
        public var promptCharacters = 8_000
    }

    /// Caps on a model reply.
    public struct ReplyLimits: Sendable, Equatable {
        public var maxReplyBytes = 262_144
        public var maxEntriesPerTurn = 20
        /// The largest entry (payload, tags and meta), as compact JSON bytes.
        public var maxEntryBytes = 32_768
        public var maxToolCallsPerTurn = 16
        public var maxMemoryUpdatesPerTurn = 32
        /// Unusable replies (cut off, refused, empty) in a row before the agent is paused and the
        /// human told; until then each one leaves the input to be shown again.
        public var maxUnusableInARow = 3
        /// The deepest nesting of arrays and objects a reply may give a value: an entry's `payload`
        /// or `meta`, a tool call's `args`, a memory update's `value` (a scalar is 0 levels, `[]` 1).
        /// A deeper value is refused with a `too_deep` violation (`limits.max_value_depth`).
        public var maxValueDepth = 32

        /// The largest `limits.max_value_depth` a config may set.
        public static let valueDepthCeiling = 64
        /// How many levels deeper than in the reply the engine may store an accepted value: a
        /// pending approval in `state/agents.json` adds 4, a turn record 4, a memory record 1, an
        /// API page of entries 3. `JSONParser` reads `valueDepthCeiling + embeddingDepthMargin`
        /// levels and more, so whatever is accepted can be read back.
        public static let embeddingDepthMargin = 16
    }

    public var format = 1
    public var name: String
    public var tickPeriodSeconds = 10.0
    public var maxTicks: Int?
    public var execution = Execution.parallel
    public var maxConcurrentTurns = 8
    public var inbox = InboxLimits()
    public var outboxRetentionTicks: Int?
    public var memory = MemoryLimits()
    public var replies = ReplyLimits()
    /// Turns in a row with the same actions before an agent is paused (`loop_detected`); 0 disables.
    public var loopRepeatLimit = 5
    /// Ticks between checkpoints, when the files written since the last one are flushed to disk
    /// and their journals removed.
    public var checkpointEveryTicks = 16
    /// The `tools` settings (DESIGN §7).
    public var tools = ToolSettings()
    /// The `server` settings (DESIGN §4.5).
    public var server = ServerSettings()
    /// The document as read, unknown fields included (tool and server settings live here).
    public var document = JSONObject()

    public init(name: String) {
        self.name = name
    }

    static let knownKeys: Set<String> = [
        "format", "name", "description", "tick_period_seconds", "max_ticks", "execution", "max_concurrent_turns",
        "inbox", "outbox_retention_ticks", "memory", "limits", "loop_detection", "checkpoint_every_ticks",
        "tools", "server",
    ]

    /// Reads `lemming.json`.
    ///
    /// - Parameters:
    ///   - defaultName: the org's name when the file has none (its folder name).
    /// - Returns: the settings (defaults for anything wrong) and the issues found.
    public static func parse(
        _ bytes: [UInt8], file: String = "lemming.json", defaultName: String
    ) -> (
        OrgConfig, [ValidationIssue]
    ) {
        var issues = IssueCollector(file: file)
        var config = OrgConfig(name: defaultName)
        guard let object = JSONFile.object(bytes, issues: &issues) else { return (config, issues.issues) }
        config.document = object
        issues.warnUnknownKeys(object, known: knownKeys, prefix: "")
        config.format = issues.integer(object, "format", default: 1, in: 1...Int.max)
        if config.format > 1 {
            issues.error("format", "format", "format \(config.format) is newer than this lemming supports (1)")
        }
        config.name = issues.optionalString(object, "name") ?? defaultName
        if let period = issues.optionalNumber(object, "tick_period_seconds", minimum: 0) {
            config.tickPeriodSeconds = period
        }
        config.maxTicks = issues.optionalInteger(object, "max_ticks", in: 1...Int.max)
        if let execution = issues.optionalString(object, "execution") {
            if let mode = Execution(rawValue: execution) {
                config.execution = mode
            } else {
                issues.error("execution", "enum", "must be \"parallel\" or \"sequential\" (got '\(execution)')")
            }
        }
        config.maxConcurrentTurns = issues.integer(object, "max_concurrent_turns", default: 8, in: 1...4096)
        let inbox = issues.object(object, "inbox")
        issues.warnUnknownKeys(inbox, known: ["max_entries", "max_characters"], prefix: "inbox")
        config.inbox.maxEntries = issues.integer(inbox, "max_entries", prefix: "inbox", default: 20, in: 1...10_000)
        config.inbox.maxCharacters = issues.integer(
            inbox, "max_characters", prefix: "inbox", default: 16_000, in: 100...10_000_000)
        config.outboxRetentionTicks = issues.optionalInteger(object, "outbox_retention_ticks", in: 1...Int.max)
        let memory = issues.object(object, "memory")
        issues.warnUnknownKeys(
            memory, known: ["max_value_bytes", "max_agent_bytes", "max_keys", "prompt_characters"], prefix: "memory")
        config.memory.maxValueBytes = issues.integer(
            memory, "max_value_bytes", prefix: "memory", default: 16_384, in: 16...100_000_000)
        config.memory.maxAgentBytes = issues.integer(
            memory, "max_agent_bytes", prefix: "memory", default: 262_144, in: 16...1_000_000_000)
        config.memory.maxKeys = issues.integer(memory, "max_keys", prefix: "memory", default: 256, in: 1...100_000)
        config.memory.promptCharacters = issues.integer(
            memory, "prompt_characters", prefix: "memory", default: 8_000, in: 0...10_000_000)
        let limits = issues.object(object, "limits")
        issues.warnUnknownKeys(
            limits,
            known: [
                "max_reply_bytes", "max_entries_per_turn", "max_entry_bytes", "max_tool_calls_per_turn",
                "max_memory_updates_per_turn", "max_unusable_in_a_row", "max_value_depth",
            ],
            prefix: "limits"
        )
        config.replies.maxReplyBytes = issues.integer(
            limits, "max_reply_bytes", prefix: "limits", default: 262_144, in: 1_024...100_000_000)
        config.replies.maxEntriesPerTurn = issues.integer(
            limits, "max_entries_per_turn", prefix: "limits", default: 20, in: 1...99)
        config.replies.maxEntryBytes = issues.integer(
            limits, "max_entry_bytes", prefix: "limits", default: 32_768, in: 256...100_000_000)
        config.replies.maxToolCallsPerTurn = issues.integer(
            limits, "max_tool_calls_per_turn", prefix: "limits", default: 16, in: 0...1_000)
        config.replies.maxMemoryUpdatesPerTurn = issues.integer(
            limits, "max_memory_updates_per_turn", prefix: "limits", default: 32, in: 0...1_000)
        config.replies.maxUnusableInARow = issues.integer(
            limits, "max_unusable_in_a_row", prefix: "limits", default: 3, in: 1...1_000)
        config.replies.maxValueDepth = issues.integer(
            limits, "max_value_depth", prefix: "limits", default: config.replies.maxValueDepth,
            in: 1...ReplyLimits.valueDepthCeiling)
        let loop = issues.object(object, "loop_detection")
        issues.warnUnknownKeys(loop, known: ["repeat_limit"], prefix: "loop_detection")
        config.loopRepeatLimit = issues.integer(
            loop, "repeat_limit", prefix: "loop_detection", default: 5, in: 0...1_000)
        config.checkpointEveryTicks = issues.integer(object, "checkpoint_every_ticks", default: 16, in: 1...100_000)
        config.tools = ToolSettings.parse(issues.object(object, "tools"), issues: &issues)
        config.server = ServerSettings.parse(issues.object(object, "server"), issues: &issues)
        return (config, issues.issues)
    }
}
