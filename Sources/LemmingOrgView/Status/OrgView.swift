import LemmingCore
import LemmingJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only view of an org for commands and the API: settings, agents, state and the graph,
/// read from the files without taking the engine lock (so it works while an engine runs).
///
/// It loads what every reader needs up front and reads entries, memory and turn records on demand.
public struct OrgView: Sendable {
    public let paths: OrgPaths
    public let config: OrgConfig
    public let registry: ModelRegistry
    /// Issues of `lemming.json` and `models.json`.
    public let configIssues: [ValidationIssue]
    package let agents: [String: AgentRecord]
    public let tick: TickState
    public let ledger: Ledger
    public let cursors: CursorTable
    public let runtimes: AgentRuntimes
    public let graph: OrgGraph
    /// State files that could not be read (stand-ins are shown instead), and files the engine set
    /// aside because it could not read them.
    public let stateProblems: [String]

    /// Reads the org at `root`.
    ///
    /// - Throws: ``LemmingError`` when it is not an org or a state file is corrupt.
    public static func load(root: String) throws -> OrgView {
        let paths = OrgPaths(root: root)
        let store = FileOrgStore(paths: paths)
        let (config, registry, settingsIssues) = try store.loadSettings()
        let agents = try store.scanAgents(previous: [:], registry: registry, knownTools: nil)
        let state = try store.loadState()
        var problems = state.unreadable.map {
            "\($0.file) cannot be read (\($0.problem)); until the engine runs, what is shown assumes that "
                + "\($0.standIn)"
        }
        for name in (try FileSystem.list(paths.state) ?? []).sorted() where name.contains(".json.unreadable") {
            problems.append(
                "state/\(name) is a state file the engine could not read and set aside; compare it with what "
                    + "replaced it, then remove it")
        }
        return OrgView(
            paths: paths, config: config, registry: registry, configIssues: settingsIssues,
            agents: agents, tick: state.tick, ledger: state.ledger, cursors: state.cursors, runtimes: state.runtimes,
            graph: OrgGraph(resumes: agents.compactMapValues(\.resume)), stateProblems: problems)
    }

    /// Agents with a `resume.json` (valid or not), sorted; `human` is not among them.
    public var agentNames: [String] {
        agents.keys.filter(isAgent).sorted(by: Names.precedes)
    }

    /// Whether `name` is an agent of the org (one with a resume, valid or not); `human` is not.
    public func isAgent(_ name: String) -> Bool {
        name != Names.human && agents[name]?.hasResumeFile == true
    }

    /// Whether `name` is an agent of the org, or `human`.
    public func isParticipant(_ name: String) -> Bool {
        name == Names.human || isAgent(name)
    }

    /// Refuses a name that is not an agent of the org (nor `human`, unless allowed), listing the agents.
    public func requireAgent(_ name: String, allowingHuman: Bool = false) throws {
        guard allowingHuman ? isParticipant(name) : isAgent(name) else {
            throw LemmingError(.notFound, "no agent named '\(name)' (agents: \(agentNames.joined(separator: ", ")))")
        }
    }

    /// Whether an engine holds the org's lock (told from the holder's pid, without taking the lock).
    public var isEngineRunning: Bool {
        FileLock.holder(paths.lock).map(FileLock.isAlive) ?? false
    }

    /// The providers' endpoints as the engine last saw them (`state/providers.json`).
    public var providerHealth: [ProviderHealth] {
        guard let bytes = try? FileSystem.readIfPresent(paths.providerHealth),
            let document = try? JSONValue.parse(bytes)
        else { return [] }
        return document["endpoints"]?.arrayValue?.compactMap(ProviderHealth.init(json:)) ?? []
    }

    /// Command files waiting for the running engine.
    public var pendingCommands: Int {
        ((try? FileSystem.list(paths.commands)) ?? [])?.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count
            ?? 0
    }

    /// An agent's state (see ``AgentState``); `operator` for the human.
    public func state(of agent: String) -> String {
        if agent == Names.human { return "operator" }
        return agentState(of: agent).rawValue
    }

    /// An agent's state, derived as the engine derives it.
    public func agentState(of agent: String) -> AgentState {
        AgentState(resume: agents[agent]?.resume, runtime: runtimes[agent], account: ledger[agent])
    }

    /// The next tick at which an active agent fires.
    public func nextFireTick(of agent: String) -> Int? {
        guard agent != Names.human, agentState(of: agent).isActive, let resume = agents[agent]?.resume else {
            return nil
        }
        return resume.schedule.nextFireTick(from: tick.nextTick)
    }

    /// An agent's balance, or its starting balance when it has not run yet.
    public func balance(of agent: String) -> Double? {
        ledger[agent]?.balance ?? agents[agent]?.resume?.credits.maxCredits
    }

    // MARK: - Entries

    /// The ids of an agent's outbox, oldest first (files that are not entries are left out).
    public func entryIDs(of agent: String) throws -> [EntryID] {
        try Self.entryIDs(of: agent, paths: paths)
    }

    /// The ids of an agent's outbox in the org at `paths`, oldest first.
    public static func entryIDs(of agent: String, paths: OrgPaths) throws -> [EntryID] {
        var ids: [EntryID] = []
        _ = try FileSystem.forEachName(in: paths.outbox(agent)) { name in
            if let id = EntryID(fileName: name, author: agent) { ids.append(id) }
        }
        return ids.sorted()
    }

    /// The ids of an agent's archived entries (`archive/outbox/<agent>/`, past retention), oldest first.
    public func archivedEntryIDs(of agent: String) throws -> [EntryID] {
        var ids: [EntryID] = []
        _ = try FileSystem.forEachName(in: paths.archivedOutbox(agent)) { name in
            if let id = EntryID(fileName: name, author: agent) { ids.append(id) }
        }
        return ids.sorted()
    }

    /// Every author with entries on disk, live or archived (the human and removed agents included).
    public func authors() throws -> [String] {
        var names = Set((try FileSystem.list(paths.agents) ?? []).filter(Names.isValidAgentName))
        names.formUnion((try FileSystem.list(paths.archiveOutboxes) ?? []).filter(Names.isValidAgentName))
        return names.sorted(by: Names.precedes)
    }

    /// Every outbox's ids (the human's included), oldest first.
    public func allEntryIDs() throws -> [EntryID] {
        var ids: [EntryID] = []
        for name in ((try FileSystem.list(paths.agents)) ?? []) where Names.isValidAgentName(name) {
            ids.append(contentsOf: try entryIDs(of: name))
        }
        return ids.sorted()
    }

    /// Whether the entry exists, in its outbox or in the archive.
    public func hasEntry(_ id: EntryID) -> Bool {
        FileSystem.exists(paths.entry(id)) || FileSystem.exists(paths.archivedEntry(id))
    }

    /// Reads an entry from its outbox, or from the archive (entry files are renamed into place
    /// whole, so a reader never sees one half-written).
    public func entry(_ id: EntryID, archived: Bool = false) -> Result<OutboxEntry, LemmingError> {
        FileOrgStore(paths: paths).readEntry(id, archived: archived)
    }

    /// The newest entries among `ids` that satisfy `matching`, at most `limit`, oldest first.
    /// Files are read newest first and only until enough match.
    public func latestEntries(
        among ids: [EntryID],
        limit: Int,
        matching: (OutboxEntry) -> Bool = { _ in true }
    ) -> [OutboxEntry] {
        var found: [OutboxEntry] = []
        for id in ids.reversed() {
            guard found.count < limit else { break }
            if case .success(let entry) = entry(id), matching(entry) { found.append(entry) }
        }
        return found.reversed()
    }

    // MARK: - Memory and turns

    /// An agent's memory, from its files.
    public func memory(of agent: String) throws -> MemoryBook {
        var unreadable: [LemmingError] = []
        return try FileOrgStore(paths: paths).loadMemory(of: agent, unreadable: &unreadable)
    }

    /// Calls `body` with every turn record of an agent, oldest first, each without its prompt and
    /// raw reply (``TurnLogLines``: what is left is the record's figures, parsed reply, violations
    /// and tool results), and the record's line number; a line that is not a JSON object is passed
    /// as `nil`. A line still being written is left out.
    ///
    /// - Throws: ``LemmingError`` `.io` when the log cannot be read, or what `body` throws.
    public func forEachTurnRecord(of agent: String, _ body: (_ record: JSONValue?, _ line: Int) throws -> Void) throws {
        let path = paths.turns(agent)
        guard let size = FileSystem.info(path)?.size else { return }
        var line = 0
        _ = try TurnLogLines.read(path, from: 0, to: size) { bytes, _ in
            line += 1
            let record = try? JSONValue.parse(TurnLogLines.withoutPrompt(bytes))
            try body(record?.objectValue == nil ? nil : record, line)
        }
    }

    /// The last `count` turn records of an agent, oldest first.
    public func turnRecords(of agent: String, last count: Int) throws -> [JSONValue] {
        guard count > 0, let bytes = try FileSystem.readTail(paths.turns(agent), lines: count) else { return [] }
        return bytes.split(separator: 0x0A).compactMap { try? JSONValue.parse(Array($0)) }
    }
}
