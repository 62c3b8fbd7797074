/// Where everything of an org lives on disk (DESIGN §4). Pure path arithmetic, no I/O.
public struct OrgPaths: Sendable, Hashable {
    /// The org's root directory, absolute.
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var config: String { root + "/lemming.json" }
    public var models: String { root + "/models.json" }
    public var agents: String { root + "/agents" }
    public var shared: String { root + "/shared" }
    public var templates: String { root + "/templates" }
    public var departments: String { root + "/departments" }
    public var archiveOutboxes: String { root + "/archive/outbox" }
    public var state: String { root + "/state" }
    public var tick: String { state + "/tick.json" }
    public var ledger: String { state + "/ledger.json" }
    public var cursors: String { state + "/cursors.json" }
    public var agentStates: String { state + "/agents.json" }
    /// The circuit breakers of the providers' endpoints, written by the engine when they change.
    public var providerHealth: String { state + "/providers.json" }
    public var journal: String { state + "/journal" }
    /// The outcomes of the tick in progress (see ``OutcomeLog``).
    public var outcomes: String { journal + "/outcomes.jsonl" }
    public var commands: String { state + "/commands" }
    public var lock: String { state + "/engine.lock" }
    /// The derived search index (DESIGN §2.5): rebuildable from the files, may be deleted.
    public var searchIndex: String { state + "/search.sqlite" }
    public var logs: String { root + "/logs" }
    public var engineLog: String { logs + "/engine.jsonl" }

    public func agent(_ name: String) -> String { agents + "/" + name }
    public func resume(_ name: String) -> String { agent(name) + "/resume.json" }
    public func outbox(_ name: String) -> String { agent(name) + "/outbox" }
    public func entry(_ id: EntryID) -> String { outbox(id.agent) + "/" + id.text + ".json" }
    public func memory(_ name: String) -> String { agent(name) + "/memory" }
    public func memory(_ name: String, key: String) -> String { memory(name) + "/" + key + ".json" }
    public func workspace(_ name: String) -> String { agent(name) + "/workspace" }
    public func agentLogs(_ name: String) -> String { agent(name) + "/logs" }
    public func turns(_ name: String) -> String { agentLogs(name) + "/turns.jsonl" }
    public func archivedOutbox(_ name: String) -> String { archiveOutboxes + "/" + name }
    public func archivedEntry(_ id: EntryID) -> String { archivedOutbox(id.agent) + "/" + id.text + ".json" }
    public func template(_ name: String) -> String { templates + "/" + name + "/resume.json" }

    /// `path` relative to the org root, for messages and journal records.
    public func relative(_ path: String) -> String {
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    /// The absolute path of an org-relative path.
    public func absolute(_ relativePath: String) -> String { root + "/" + relativePath }
}
