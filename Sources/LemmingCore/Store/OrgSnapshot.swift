/// An agent folder as found on disk.
public struct AgentRecord: Sendable {
    /// The folder name under `agents/`.
    public var name: String
    /// The valid resume, or `nil` when there is none or it does not validate.
    public var resume: Resume?
    public var issues: [ValidationIssue]
    /// Whether the folder has a `resume.json` at all (`human` may not).
    public var hasResumeFile: Bool
    /// The resume file's metadata when it was read, to notice edits.
    public var fileInfo: FileInfo?

    public var errors: [ValidationIssue] { issues.filter(\.isError) }
}

/// Everything loaded from an org directory.
public struct OrgSnapshot: Sendable {
    public var config: OrgConfig
    public var registry: ModelRegistry
    /// Issues of `lemming.json` and `models.json`.
    public var configIssues: [ValidationIssue]
    /// Agent folders by name (`human` included when it has a folder).
    public var agents: [String: AgentRecord]
    public var tick: TickState
    public var ledger: Ledger
    public var cursors: CursorTable
    public var runtimes: AgentRuntimes
    public var memory: [String: MemoryBook]
    public var outboxes: OutboxIndex
    /// Files that could not be read and were skipped, with the reason.
    public var unreadable: [LemmingError]
    /// State files that could not be read; stand-ins are in their place (see ``StateFiles``).
    public var unreadableState: [StateFiles.Unreadable] = []
}
