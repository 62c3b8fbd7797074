/// Everything one commit changes, in domain terms. The store turns it into file operations.
public struct TickChanges: Sendable {
    /// A change to one memory key: a record to store, or `nil` to delete the key.
    public struct MemoryChange: Sendable, Equatable {
        public var agent: String
        public var key: String
        public var record: MemoryRecord?
    }

    /// Lines to append to an agent's `logs/turns.jsonl`.
    public struct TurnLines: Sendable, Equatable {
        public var agent: String
        public var bytes: [UInt8]
    }

    /// A file written on behalf of a tool (org-relative path).
    public struct FileWrite: Sendable, Equatable {
        public var path: String
        public var content: [UInt8]
    }

    public var tick: Int
    /// `tick` for a tick's commit, `control` for commands applied between ticks.
    public var label: String
    public var entries: [OutboxEntry] = []
    public var memory: [MemoryChange] = []
    public var turnLines: [TurnLines] = []
    public var files: [FileWrite] = []
    public var archived: [EntryID] = []
    public var ledger: Ledger?
    public var cursors: CursorTable?
    public var runtimes: AgentRuntimes?
    public var tickState: TickState?
    /// Command files (names in `state/commands/`) consumed by this commit.
    public var consumedCommands: [String] = []

    public init(tick: Int, label: String) {
        self.tick = tick
        self.label = label
    }

    public var isEmpty: Bool {
        entries.isEmpty && memory.isEmpty && turnLines.isEmpty && files.isEmpty && archived.isEmpty && ledger == nil
            && cursors == nil && runtimes == nil && tickState == nil && consumedCommands.isEmpty
    }
}
