/// What one commit made durable: its events, and the outbox entries, memory records and turn
/// records it wrote (DESIGN §5.2, §5.6). Handed to sinks that keep data derived from the files
/// (a search index) once the files are on disk, so that they need not read back what the
/// engine just wrote. Plain values: a commit's outcome could cross a process boundary (DESIGN
/// §10).
public struct CommittedChanges: Sendable {
    /// A change to one memory key: the record now stored, or `nil` when the key was deleted.
    public struct MemoryChange: Sendable, Equatable {
        public var agent: String
        public var key: String
        public var record: MemoryRecord?

        public init(agent: String, key: String, record: MemoryRecord?) {
            self.agent = agent
            self.key = key
            self.record = record
        }
    }

    /// Lines appended to `agents/<agent>/logs/turns.jsonl`: at byte `offset` of the file, the
    /// complete lines (each ending in a newline) in `bytes`, and what the turn's line says.
    public struct TurnLines: Sendable, Equatable {
        public var agent: String
        public var offset: Int
        public var bytes: [UInt8]
        /// The turn the line records (`nil`: read it from `bytes`).
        public var summary: TurnSummary?

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
    public var turnLines: [TurnLines]
    /// Entries moved to `archive/` (DESIGN §5.1).
    public var archived: [EntryID]

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
