import Foundation
import LemmingCore
import LemmingJSON
import LemmingMCP
import LemmingOrgView
import LemmingSearch

/// The org operations `lemming mcp` serves (``OrgMCPServer``): what `agents`, `status`, `send`,
/// `inbox`, `step`, `search`, `approvals`, `approve` and `deny` do, with their `--json` output.
struct CLIOrgOperations: OrgOperations {
    let root: String
    /// How often `read_inbox` looks again while it waits.
    var pollInterval = Duration.milliseconds(250)

    func agents() async throws -> JSONValue {
        let view = try OrgView.load(root: root)
        return .array((view.agentNames + [Names.human]).map(view.agentSummary))
    }

    func status() async throws -> JSONValue {
        try OrgStatus.read(root: root).json
    }

    func send(to agent: String, text: String, kind: String) async throws -> JSONValue {
        guard Names.isValidKind(kind) else {
            throw LemmingError(.invalidArgument, "kind must be a lowercase word such as message", field: "kind")
        }
        try OrgView.load(root: root).checkHumanCanAddress(agent, force: false)
        let message = HumanMessage(to: [agent], text: text, kind: kind, priority: .normal, replyTo: nil)
        switch try await Steering.submit([.send(message)], root: root) {
        case .applied(let events):
            let id = events.first { $0.kind == .entryWritten }?.data["id"]?.stringValue ?? ""
            return ["status": "sent", "id": .string(id), "to": .string(agent)]
        case .queued:
            return ["status": "queued", "id": nil, "to": .string(agent)]
        }
    }

    func inbox(after: String?, limit: Int, waitSeconds: Double) async throws -> JSONValue {
        let since = try after.map { text in
            guard let id = EntryID(text) else {
                throw LemmingError(.invalidArgument, "after must be an entry id such as 00000003-manager-01")
            }
            return id
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(waitSeconds * 1_000))
        while true {
            let entries = try latestToHuman(limit: limit, after: since)
            if !entries.isEmpty || clock.now >= deadline { return .array(entries.map(\.entry.json)) }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// The newest entries addressed to the human after `since`, newest first.
    private func latestToHuman(limit: Int, after since: EntryID?) throws -> [ListedEntry] {
        var filters = SearchQuery()
        filters.recipient = Names.human
        var history = EntryHistory(view: try OrgView.load(root: root))
        return try history.latest(filters, limit: limit).filter { since == nil || $0.entry.id > since ?? $0.entry.id }
            .reversed()
    }

    func step() async throws -> JSONValue {
        try await Engine.step { try await EngineFactory.open(root: root) }.json
    }

    func approvals() async throws -> JSONValue {
        .array(PendingRequest.all(in: try OrgView.load(root: root)).map(\.json))
    }

    func answer(request: String, approve: Bool, reason: String?) async throws -> JSONValue {
        try await PendingRequest.answer(request, approve: approve, reason: reason, root: root)
    }

    func agentNames() async throws -> [String] {
        try OrgView.load(root: root).agentNames
    }

    func resume(of agent: String) async throws -> String? {
        guard Names.isValidAgentName(agent), agent != Names.human else { return nil }
        let path = OrgPaths(root: root).resume(agent)
        guard FileSystem.info(path)?.isRegularFile == true else { return nil }
        return String(decoding: try FileSystem.read(path), as: UTF8.self)
    }

    func entry(_ text: String) async throws -> JSONValue? {
        guard let id = EntryID(text), let found = SearchIndex.entry(id, paths: OrgPaths(root: root)) else { return nil }
        var json = found.entry.json
        if case .object(var object) = json {
            object["archived"] = .bool(found.archived)
            json = .object(object)
        }
        return json
    }

    func search(query: String, limit: Int) async throws -> JSONValue {
        let index = try SearchIndexAccess.open(OrgPaths(root: root))
        var search = SearchQuery(query)
        search.limit = limit
        return try index.search(search).json(search, freshness: try index.freshness())
    }
}
