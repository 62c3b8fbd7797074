import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch

/// ``OrgOperations`` over an org's files, for every host: what can differ — how control commands
/// reach the org, how a tick runs and how the search index is opened — is given by the host
/// (`lemming mcp` the CLI's ways, `lemming serve` its backend's, which serialise its engines).
public struct StandardOrgOperations: OrgOperations {
    public let paths: OrgPaths
    let steer: @Sendable ([ControlCommand]) async throws -> OrgSteering.Outcome
    let runTick: @Sendable () async throws -> TickReport
    let openIndex: @Sendable () async throws -> SearchIndex
    /// How often `read_inbox` looks again while it waits.
    let pollInterval: Duration
    let clock: any Clock<Duration>

    /// - Parameters:
    ///   - steer: applies control commands now, or queues them for a running engine.
    ///   - step: runs one tick; throws ``LemmingError`` when an engine holds the org.
    ///   - index: the search index, caught up with the org.
    public init(
        paths: OrgPaths, steer: @escaping @Sendable ([ControlCommand]) async throws -> OrgSteering.Outcome,
        step: @escaping @Sendable () async throws -> TickReport,
        index: @escaping @Sendable () async throws -> SearchIndex,
        pollInterval: Duration = .milliseconds(250), clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.paths = paths
        self.steer = steer
        self.runTick = step
        self.openIndex = index
        self.pollInterval = pollInterval
        self.clock = clock
    }

    func view() throws -> OrgView { try OrgView.load(root: paths.root) }

    public func agents() async throws -> JSONValue {
        let view = try view()
        return .array((view.agentNames + [Names.human]).map(view.agentSummary))
    }

    public func status() async throws -> JSONValue {
        try OrgStatus.read(root: paths.root).json
    }

    public func send(
        to agent: String, text: String, kind: String, priority: Priority, replyTo: String?
    ) async throws
        -> JSONValue
    {
        guard Names.isValidKind(kind) else {
            throw LemmingError(.invalidArgument, "kind must be a lowercase word such as message", field: "kind")
        }
        let view = try view()
        try view.checkHumanCanAddress(agent, force: false)
        if let replyTo {
            guard let id = EntryID(replyTo) else {
                throw LemmingError(.invalidArgument, "reply_to must be an entry id such as 00000003-manager-01")
            }
            guard view.hasEntry(id) else { throw LemmingError(.notFound, "no entry '\(replyTo)'", field: "reply_to") }
        }
        let message = HumanMessage(to: [agent], text: text, kind: kind, priority: priority, replyTo: replyTo)
        switch try await steer([.send(message)]) {
        case .applied(let events):
            let id = events.first { $0.kind == .entryWritten }?.data["id"]?.stringValue ?? ""
            return ["status": "sent", "id": .string(id), "to": .string(agent)]
        case .queued:
            return ["status": "queued", "id": nil, "to": .string(agent)]
        }
    }

    public func inbox(after: String?, limit: Int, waitSeconds: Double) async throws -> JSONValue {
        let since = try after.map { text in
            guard let id = EntryID(text) else {
                throw LemmingError(.invalidArgument, "after must be an entry id such as 00000003-manager-01")
            }
            return id
        }
        var waited = Duration.zero
        let wait = Duration.milliseconds(Int(waitSeconds * 1_000))
        while true {
            let entries = try await latestToHuman(limit: limit, after: since)
            if !entries.isEmpty || waited >= wait { return .array(entries) }
            let pause = min(pollInterval, wait - waited)
            try await clock.sleep(for: pause)
            waited += pause
        }
    }

    /// The newest entries addressed to the human after `since`, newest first.
    private func latestToHuman(limit: Int, after since: EntryID?) async throws -> [JSONValue] {
        var filters = SearchQuery()
        filters.recipient = Names.human
        let hits = try await openIndex().latestEntries(filters, limit: limit)
        return hits.reversed().compactMap { hit -> JSONValue? in
            guard let id = EntryID(hit.ref), since.map({ id > $0 }) ?? true,
                let found = SearchIndex.entry(id, paths: paths)
            else { return nil }
            return found.entry.json
        }
    }

    public func step() async throws -> JSONValue {
        try await runTick().json
    }

    public func search(query: String, limit: Int) async throws -> JSONValue {
        let index = try await openIndex()
        var search = SearchQuery(query)
        search.limit = limit
        return try index.search(search).json(search, freshness: try index.freshness())
    }

    public func approvals() async throws -> JSONValue {
        .array(PendingRequest.all(in: try view()).map(\.json))
    }

    public func answer(request id: String, approve: Bool, reason: String?) async throws -> JSONValue {
        try await PendingRequest.answer(id, approve: approve, reason: reason, in: try view(), steer: steer)
    }

    public func agentNames() async throws -> [String] {
        try view().agentNames
    }

    public func resume(of agent: String) async throws -> String? {
        guard Names.isValidAgentName(agent), agent != Names.human else { return nil }
        let path = paths.resume(agent)
        guard FileSystem.info(path)?.isRegularFile == true else { return nil }
        return String(decoding: try FileSystem.read(path), as: UTF8.self)
    }

    public func entry(_ text: String) async throws -> JSONValue? {
        guard let id = EntryID(text), let found = SearchIndex.entry(id, paths: paths) else { return nil }
        guard case .object(var object) = found.entry.json else { return found.entry.json }
        object["archived"] = .bool(found.archived)
        return .object(object)
    }
}
