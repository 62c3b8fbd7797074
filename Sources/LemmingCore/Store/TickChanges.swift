/// Everything one commit changes, in domain terms. The store turns it into file operations.
package struct TickChanges: Sendable {
    /// A change to one memory key: a record to store, or `nil` to delete the key.
    package typealias MemoryChange = CommittedChanges.MemoryChange

    /// Lines to append to an agent's `logs/turns.jsonl`.
    package struct TurnLines: Sendable, Equatable {
        package var agent: String
        package var bytes: [UInt8]
        /// What the line says, for sinks in process (``CommittedChanges/TurnLines``).
        package var summary: TurnSummary?
    }

    /// A file written on behalf of a tool (org-relative path).
    package struct FileWrite: Sendable, Equatable {
        package var path: String
        package var content: [UInt8]
    }

    package var tick: Int
    /// `tick` for a tick's commit, `control` for commands applied between ticks.
    package var label: String
    package var entries: [OutboxEntry] = []
    package var memory: [MemoryChange] = []
    package var turnLines: [TurnLines] = []
    package var files: [FileWrite] = []
    package var archived: [EntryID] = []
    package var ledger: Ledger?
    package var cursors: CursorTable?
    package var runtimes: AgentRuntimes?
    package var tickState: TickState?
    /// Command files (names in `state/commands/`) consumed by this commit.
    package var consumedCommands: [String] = []
    /// Files recorded in the state history only (resumes and settings edited since the last
    /// commit): never written.
    package var snapshots: [FileWrite] = []

    package init(tick: Int, label: String) {
        self.tick = tick
        self.label = label
    }

    package var isEmpty: Bool {
        entries.isEmpty && memory.isEmpty && turnLines.isEmpty && files.isEmpty && archived.isEmpty && ledger == nil
            && cursors == nil && runtimes == nil && tickState == nil && consumedCommands.isEmpty
    }
}
