import LemmingJSON

/// The org-level settings of `lemming.json` (DESIGN §4.5), every one with a default.
public struct OrgConfig: Sendable, Equatable {
    /// How the turns of a tick run (DESIGN §5.2).
    public enum Execution: String, Sendable, CaseIterable {
        /// Every firing agent sees the org as it was at the start of the tick; calls overlap.
        case parallel
        /// Agents run one by one and see entries written earlier in the same tick.
        case sequential
    }

    /// Bounds on what one turn is shown.
    public struct InboxLimits: Sendable, Equatable {
        /// The most entries one turn is shown (`inbox.max_entries`, 1…10,000); the rest wait for the next turn.
        public var maxEntries = 20
        /// The most characters of entries one turn is shown (`inbox.max_characters`, 100…10,000,000).
        public var maxCharacters = 16_000
    }

    /// Caps on memory (DESIGN §4.3).
    public struct MemoryLimits: Sendable, Equatable {
        /// The largest value of one key, as compact JSON bytes.
        public var maxValueBytes = 16_384
        /// The largest total of an agent's values.
        public var maxAgentBytes = 262_144
        /// The most keys one agent may hold (`memory.max_keys`); a new key past it is a violation.
        public var maxKeys = 256
        /// How much memory the prompt shows, most recently updated first.
        public var promptCharacters = 8_000
    }

    /// Caps on a model reply.
    public struct ReplyLimits: Sendable, Equatable {
        /// The largest reply read, in bytes of visible text (`limits.max_reply_bytes`); a longer one fails the turn.
        public var maxReplyBytes = 262_144
        /// The most outbox entries one reply may write (`limits.max_entries_per_turn`, 1…99); the rest are violations.
        public var maxEntriesPerTurn = 20
        /// The largest entry (payload, tags and meta), as compact JSON bytes.
        public var maxEntryBytes = 32_768
        /// The most tool calls one reply may make (`limits.max_tool_calls_per_turn`); the rest are violations.
        public var maxToolCallsPerTurn = 16
        /// The most memory updates one reply may make (`limits.max_memory_updates_per_turn`); the rest are violations.
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

    /// The org format version (`format`); 1 is the only one (DESIGN §4).
    public var format = 1
    /// The org's name (`name`); defaults to its folder's name.
    public var name: String
    /// Seconds between the starts of ticks when the engine runs on its own (`tick_period_seconds`, ≥ 0).
    public var tickPeriodSeconds = 10.0
    /// The last tick to run (`max_ticks`); `nil`: no limit.
    public var maxTicks: Int?
    /// How a tick's turns run (`execution`).
    public var execution = Execution.parallel
    /// Model calls in flight at once in parallel mode (`max_concurrent_turns`, 1…4096).
    public var maxConcurrentTurns = 8
    /// The `inbox` limits.
    public var inbox = InboxLimits()
    /// Ticks an entry stays in its outbox before it is moved to `archive/` (`outbox_retention_ticks`); `nil`: kept.
    public var outboxRetentionTicks: Int?
    /// The `memory` caps.
    public var memory = MemoryLimits()
    /// The `limits` on a reply.
    public var replies = ReplyLimits()
    /// Turns in a row without progress before an agent is paused (`loop_detected`); 0 disables.
    public var loopRepeatLimit = 5
    /// Ticks between checkpoints, when the files written since the last one are flushed to disk
    /// and their journals removed.
    public var checkpointEveryTicks = 16
    /// The `tools` settings (DESIGN §7).
    public var tools = ToolSettings()
    /// The `server` settings (DESIGN §4.5).
    public var server = ServerSettings()
    /// The `search` settings: the search index and semantic memory.
    public var search = SearchSettings()
    /// MCP servers whose tools agents may call (`mcp`).
    public var mcp = MCPSettings()
    /// The `a2a` settings: agents exposed over Agent2Agent and remote agents called as tools.
    public var a2a = A2ASettings()

    /// The `search` section of `lemming.json`.
    public struct SearchSettings: Sendable, Equatable {
        /// The model key (in the registry) whose embeddings rank memory by meaning; `nil`: off.
        public var embeddings: String?
        /// How `memory_search` weighs meaning when embeddings are on: `semantic` (meaning only) or
        /// `hybrid` (meaning and words, fused by reciprocal rank).
        public var memoryRanking = MemoryRankingMode.hybrid
    }

    /// How `memory_search` ranks when the org has embeddings.
    public enum MemoryRankingMode: String, Sendable, CaseIterable {
        /// Meaning only: records ranked by cosine similarity of their embeddings.
        case semantic
        /// Meaning and words, the two rankings fused by reciprocal rank.
        case hybrid
    }
    /// The document as read, unknown fields included (tool and server settings live here).
    public var document = JSONObject()

    /// Every setting at its default, for the org named `name`.
    public init(name: String) {
        self.name = name
    }

    /// Reads `lemming.json`, setting by setting as `OrgSettings` describes them.
    ///
    /// Unknown keys are warnings (kept in ``document``); a wrong value is an error and keeps its
    /// default.
    /// - Parameters:
    ///   - bytes: the file's content (UTF-8 JSON).
    ///   - file: the path shown in issues, relative to the org.
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
        OrgSettings.table.read(object, into: &config, issues: &issues)
        return (config, issues.issues)
    }
}
