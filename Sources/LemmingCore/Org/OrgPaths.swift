/// Where everything of an org lives on disk (DESIGN §4). Pure path arithmetic, no I/O.
public struct OrgPaths: Sendable, Hashable {
    /// The org's root directory, absolute.
    public let root: String

    /// The paths of the org at `root` (trailing slashes are dropped; no I/O, the directory need not exist).
    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// `<root>/lemming.json`: the org's settings (DESIGN §4.5); its presence marks an org.
    public var config: String { root + "/lemming.json" }
    /// `<root>/models.json`: the model registry (DESIGN §4.6), optional.
    public var models: String { root + "/models.json" }
    /// `<root>/agents`: one folder per agent.
    public var agents: String { root + "/agents" }
    /// `<root>/shared`: readable and writable by every agent's file tools.
    public var shared: String { root + "/shared" }
    /// `<root>/templates`: agent templates for `create_agent` and `lemming agent new`.
    public var templates: String { root + "/templates" }
    /// `<root>/departments`: optional department metadata, `<name>.json`.
    public var departments: String { root + "/departments" }
    /// `<root>/archive/outbox`: entries past `outbox_retention_ticks`, moved there, never deleted.
    public var archiveOutboxes: String { root + "/archive/outbox" }
    /// `<root>/state`: engine-owned state, human-readable JSON.
    public var state: String { root + "/state" }
    /// `state/tick.json`: `next_tick`, `last_committed_tick`, the pause flag and the event counter (``TickState``).
    public var tick: String { state + "/tick.json" }
    /// `state/ledger.json`: the credit accounts (DESIGN §4.4, ``Ledger``).
    public var ledger: String { state + "/ledger.json" }
    /// `state/cursors.json`: each agent's read position in each outbox it reads (``CursorTable``).
    public var cursors: String { state + "/cursors.json" }
    /// `state/agents.json`: each agent's runtime state (paused, waiting approvals; ``AgentRuntimes``).
    public var agentStates: String { state + "/agents.json" }
    /// The circuit breakers of the providers' endpoints, written by the engine when they change.
    public var providerHealth: String { state + "/providers.json" }
    /// `state/journal`: the commit journal for crash recovery (DESIGN §5.6).
    public var journal: String { state + "/journal" }
    /// The outcomes of the tick in progress (see `OutcomeLog`).
    public var outcomes: String { journal + "/outcomes.jsonl" }
    /// `state/commands`: control command files left for the running engine (``ControlCommand``).
    public var commands: String { state + "/commands" }
    /// `state/engine.lock`: the exclusive lock the running engine holds.
    public var lock: String { state + "/engine.lock" }
    /// The derived search index (DESIGN §2.5): rebuildable from the files, may be deleted.
    public var searchIndex: String { state + "/search.sqlite" }
    /// `<root>/logs`: org-wide logs.
    public var logs: String { root + "/logs" }
    /// `logs/engine.jsonl`: engine events, one JSON object a line, rotated (``EventLog``).
    public var engineLog: String { logs + "/engine.jsonl" }

    /// `agents/<name>`: the agent's folder (no check that `name` is valid).
    public func agent(_ name: String) -> String { agents + "/" + name }
    /// `agents/<name>/resume.json`: the agent's contract (DESIGN §4.1).
    public func resume(_ name: String) -> String { agent(name) + "/resume.json" }
    /// `agents/<name>/outbox`: the agent's entries, one file each.
    public func outbox(_ name: String) -> String { agent(name) + "/outbox" }
    /// `agents/<author>/outbox/<id>.json`: the file of entry `id` (DESIGN §4.2).
    public func entry(_ id: EntryID) -> String { outbox(id.agent) + "/" + id.text + ".json" }
    /// `agents/<name>/memory`: the agent's memory records.
    public func memory(_ name: String) -> String { agent(name) + "/memory" }
    /// `agents/<name>/memory/<key>.json`: one memory record (DESIGN §4.3).
    public func memory(_ name: String, key: String) -> String { memory(name) + "/" + key + ".json" }
    /// `agents/<name>/workspace`: the agent's private sandbox for file and shell tools.
    public func workspace(_ name: String) -> String { agent(name) + "/workspace" }
    /// `agents/<name>/logs`: the agent's logs.
    public func agentLogs(_ name: String) -> String { agent(name) + "/logs" }
    /// `agents/<name>/logs/turns.jsonl`: one record per turn (DESIGN §5.7).
    public func turns(_ name: String) -> String { agentLogs(name) + "/turns.jsonl" }
    /// `archive/outbox/<name>`: the agent's archived entries.
    public func archivedOutbox(_ name: String) -> String { archiveOutboxes + "/" + name }
    /// `archive/outbox/<author>/<id>.json`: where entry `id` goes when archived.
    public func archivedEntry(_ id: EntryID) -> String { archivedOutbox(id.agent) + "/" + id.text + ".json" }
    /// `templates/<name>/resume.json`: the resume of template `name`.
    public func template(_ name: String) -> String { templates + "/" + name + "/resume.json" }

    /// `path` relative to the org root, for messages and journal records.
    public func relative(_ path: String) -> String {
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    /// The absolute path of an org-relative path.
    public func absolute(_ relativePath: String) -> String { root + "/" + relativePath }
}
