/// An agent folder as found on disk.
package struct AgentRecord: Sendable {
    /// The folder name under `agents/`.
    package var name: String
    /// The valid resume, or `nil` when there is none or it does not validate.
    package var resume: Resume?
    package var issues: [ValidationIssue]
    /// Whether the folder has a `resume.json` at all (`human` may not).
    package var hasResumeFile: Bool
    /// The resume file's metadata when it was read, to notice edits.
    package var fileInfo: FileInfo?

    package var errors: [ValidationIssue] { issues.filter(\.isError) }
}

/// Everything loaded from an org directory.
package struct OrgSnapshot: Sendable {
    package var config: OrgConfig
    package var registry: ModelRegistry
    /// Issues of `lemming.json` and `models.json`.
    package var configIssues: [ValidationIssue]
    /// Agent folders by name (`human` included when it has a folder).
    package var agents: [String: AgentRecord]
    package var tick: TickState
    package var ledger: Ledger
    package var cursors: CursorTable
    package var runtimes: AgentRuntimes
    package var memory: [String: MemoryBook]
    package var outboxes: OutboxIndex
    /// Files that could not be read and were skipped, with the reason.
    package var unreadable: [LemmingError]
    /// State files that could not be read; stand-ins are in their place (see ``StateFiles``).
    package var unreadableState: [StateFiles.Unreadable] = []
}
