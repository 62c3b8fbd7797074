/// What one commit made durable: its events, and the outbox entries, memory records and turn
/// records it wrote (DESIGN §5.2, §5.6). Handed to sinks that keep data derived from the files
/// (a search index) once the files are on disk, so that they need not read back what the
/// engine just wrote. Plain values: a commit's outcome could cross a process boundary (DESIGN
/// §10).
public struct CommittedChanges: Sendable {
    /// A change to one memory key: the record now stored, or `nil` when the key was deleted.
    public struct MemoryChange: Sendable, Equatable {
        /// The agent whose memory changed.
        public var agent: String
        /// The memory key (DESIGN §2: `agents/<agent>/memory/<key>.json`).
        public var key: String
        /// The record now stored; `nil` when the key was deleted.
        public var record: MemoryRecord?

        /// A change of `agent`'s `key` to `record` (`nil`: deleted).
        public init(agent: String, key: String, record: MemoryRecord?) {
            self.agent = agent
            self.key = key
            self.record = record
        }
    }

    /// Lines appended to `agents/<agent>/logs/turns.jsonl`: at byte `offset` of the file, the
    /// complete lines (each ending in a newline) in `bytes`, and what the turn's line says.
    public struct TurnLines: Sendable, Equatable {
        /// The agent whose `turns.jsonl` grew.
        public var agent: String
        /// Where the lines begin in the file, in bytes from its start.
        public var offset: Int
        /// The appended lines, UTF-8 JSON, each ending in a newline.
        public var bytes: [UInt8]
        /// The turn the line records (`nil`: read it from `bytes`).
        public var summary: TurnSummary?

        /// Lines of `agent`'s `turns.jsonl` at byte `offset`.
        public init(agent: String, offset: Int, bytes: [UInt8], summary: TurnSummary? = nil) {
            self.agent = agent
            self.offset = offset
            self.bytes = bytes
            self.summary = summary
        }
    }

    /// The tick the commit belongs to (for a control commit, the next tick to run).
    public var tick: Int
    /// The commit's events, numbered and in order.
    public var events: [EngineEvent]
    /// Entries written to outboxes, in the order they were written.
    public var entries: [OutboxEntry]
    /// Memory changes, in the order they were made.
    public var memory: [MemoryChange]
    /// Lines appended to the agents' `turns.jsonl` files, one item per agent and turn.
    public var turnLines: [TurnLines]
    /// Entries moved to `archive/` (DESIGN §5.1).
    public var archived: [EntryID]

    /// The changes of one commit; every list defaults to empty (a commit with events only).
    public init(
        tick: Int, events: [EngineEvent], entries: [OutboxEntry] = [], memory: [MemoryChange] = [],
        turnLines: [TurnLines] = [], archived: [EntryID] = []
    ) {
        self.tick = tick
        self.events = events
        self.entries = entries
        self.memory = memory
        self.turnLines = turnLines
        self.archived = archived
    }
}
