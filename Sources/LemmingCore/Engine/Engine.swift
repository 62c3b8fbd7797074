import LemmingJSON
import Logging

/// The tick engine of one org (DESIGN §5).
///
/// An engine holds the org's exclusive lock from ``open(_:)`` to ``close()``. It keeps the org's
/// state in memory, runs ticks, and commits each tick through the store's journal, so a crash at
/// any instant loses at most the tick in progress (which runs again). It does not sleep between
/// ticks or handle signals: ``EngineService`` does.
public actor Engine {
    let paths: OrgPaths
    let store: FileOrgStore
    /// Outcomes of the tick in progress, recorded as they complete.
    let outcomes: OutcomeLog
    /// What an interrupted earlier attempt at the tick in progress had already done (re-staged
    /// instead of done again); read when the tick begins.
    var interruptedTick: RecordedOutcomes?
    let lock: FileLock
    let bus: EventBus
    let clock: any WallClock
    let providers: any ModelProviderFactory
    let toolFactory: any ToolFactory
    /// The org's tools, rebuilt when `lemming.json` changes.
    var tools: ToolRegistry
    let entryCacheTicks: Int
    let logger: Logger
    var config: OrgConfig
    var configIssues: [ValidationIssue]
    var registry: ModelRegistry
    var agents: [String: AgentRecord]
    var graph: OrgGraph
    var state: EngineState
    /// Providers and prompt frames of the turns it plans.
    var planner: TurnPlanner
    /// The provider health last written to `state/providers.json`.
    var writtenHealth: [ProviderHealth] = []
    /// The monotonic reading before which a tick does not write the provider health again.
    var nextHealthWrite: UInt64 = 0
    /// Events noticed outside a tick (start, edits seen by ``refresh()``), committed with the next
    /// commit.
    var pendingEvents: [EngineEvent.Draft] = []
    var configInfo: FileInfo?
    /// The resumes and settings files as last checked against the state history (by metadata:
    /// only a file whose metadata changed is read and compared).
    var checkedFiles: [String: FileInfo] = [:]
    var modelsInfo: FileInfo?
    /// Set when a commit failed: the in-memory state may be ahead of the files, so the engine stops.
    var isBroken = false
    var isClosed = false
    /// A tick is running: the actor may be suspended inside it (model calls, tools), and a call
    /// that changes state in the gap would be overwritten by the tick's commit.
    var isTicking = false

    /// Takes the org's lock, recovers from any crash, and loads the org.
    ///
    /// - Throws: ``LemmingError`` `.notAnOrg`, `.locked` when another engine runs on the org,
    ///   `.invalidFile` when `lemming.json` or a state file cannot be used.
    public static func open(_ configuration: Configuration) async throws -> Engine {
        let paths = OrgPaths(root: configuration.root)
        guard FileSystem.info(paths.config)?.isRegularFile == true else {
            throw LemmingError(.notAnOrg, "no lemming.json here: not an org directory", path: paths.root)
        }
        try FileSystem.makeDirectory(paths.state)
        guard let lock = try FileLock.tryAcquire(paths.lock) else {
            let holder = FileLock.holder(paths.lock).map { " (pid \($0))" } ?? ""
            throw LemmingError(
                .locked,
                "another lemming engine is running on this org\(holder); stop it first, "
                    + "or use commands that talk to it (top-up, pause, send)",
                path: paths.root)
        }
        do {
            let store = FileOrgStore(paths: paths)
            store.writesBehind = configuration.writesFilesBehind
            let recovered = try store.recover()
            let (config, _) = try store.loadConfig()
            let tools = try configuration.tools.makeRegistry(config: config, org: paths)
            let snapshot = try store.load(knownTools: tools.names)
            let configErrors = snapshot.configIssues.filter { $0.isError && $0.file == "lemming.json" }
            guard configErrors.isEmpty else {
                throw LemmingError(
                    .invalidFile,
                    configErrors.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
                        .joined(separator: "; "), path: "lemming.json")
            }
            if configuration.recordsHistory { try store.startHistory(snapshot) }
            var sinks = configuration.sinks
            if configuration.writesEngineLog { sinks.insert(try EventLog(path: paths.engineLog), at: 0) }
            let engine = Engine(
                configuration: configuration, paths: paths, store: store, lock: lock, snapshot: snapshot, tools: tools,
                sinks: sinks)
            do {
                try await engine.started(
                    recovered: recovered, unreadable: snapshot.unreadable, unreadableState: snapshot.unreadableState)
            } catch {
                await engine.close()
                throw error
            }
            return engine
        } catch {
            lock.release()
            throw error
        }
    }

    private init(
        configuration: Configuration,
        paths: OrgPaths,
        store: FileOrgStore,
        lock: FileLock,
        snapshot: OrgSnapshot,
        tools: ToolRegistry,
        sinks: [any EventSink]
    ) {
        self.paths = paths
        self.store = store
        outcomes = OutcomeLog(path: paths.outcomes)
        self.lock = lock
        self.bus = EventBus(sinks: sinks)
        self.clock = configuration.clock
        self.providers = configuration.providers
        self.toolFactory = configuration.tools
        self.tools = tools
        self.entryCacheTicks = max(configuration.entryCacheTicks, 1)
        self.logger = configuration.logger
        config = snapshot.config
        configIssues = snapshot.configIssues
        registry = snapshot.registry
        agents = snapshot.agents
        graph = OrgGraph(resumes: agents.compactMapValues(\.resume))
        state = EngineState(
            tick: snapshot.tick, ledger: snapshot.ledger, cursors: snapshot.cursors, runtimes: snapshot.runtimes,
            memory: snapshot.memory, outboxes: snapshot.outboxes)
        configInfo = FileSystem.info(paths.config)
        modelsInfo = FileSystem.info(paths.models)
        planner = TurnPlanner(factory: configuration.providers, paths: paths)
    }

    /// Commits the start: `engine_started`, what recovery did, and what could not be loaded.
    private func started(
        recovered: [Int], unreadable: [LemmingError], unreadableState: [StateFiles.Unreadable]
    ) throws {
        note(.engineStarted, ["next_tick": .int(state.tick.nextTick), "org": .string(config.name)])
        if !recovered.isEmpty {
            note(.recovered, ["journals": .int(recovered.count), "ticks": .array(recovered.map(JSONValue.int))])
            logger.notice("recovered from an interrupted run", metadata: ["journals": "\(recovered.count)"])
        }
        let tick = state.tick.nextTick
        let interrupted = RecordedOutcomes(tick: tick, records: outcomes.records(of: tick))
        if !interrupted.isEmpty {
            // The tick runs again, re-staging what it had already received and done.
            note(
                .recovered,
                [
                    "tick": .int(tick), "replies": .int(interrupted.replies.count),
                    "tool_runs": .int(interrupted.toolRuns.values.reduce(0) { $0 + $1.count }),
                ])
        }
        for error in unreadable {
            note(.entryUnreadable, ["error": .string(error.description)])
            logger.warning("unreadable file skipped", metadata: ["file.path": "\(error.path ?? "")"])
        }
        for name in agents.keys.sorted(by: Names.precedes) {
            guard let record = agents[name], !record.errors.isEmpty else { continue }
            note(.resumeInvalid, agent: name, ["errors": .strings(record.errors.map(\.description))])
        }
        for lost in unreadableState {
            let setAside = try store.setAside(lost.file)
            note(
                .stateFileUnreadable,
                [
                    "file": .string(lost.file), "problem": .string(lost.problem), "set_aside_as": .string(setAside),
                    "assumed": .string(lost.standIn),
                ])
            logger.error(
                "a state file could not be read; it was set aside and a stand-in is used",
                metadata: ["file.path": "\(lost.file)", "set_aside_as": "\(setAside)"])
        }
        var transaction = makeTransaction(label: "start")
        // The stand-ins of unreadable state files are written with the start.
        if !unreadableState.isEmpty { transaction.markStateChanged() }
        try commit(&transaction, advanceTick: false)
    }

    /// Keeps an event noticed outside a transaction for the next commit.
    func note(_ kind: EngineEvent.Kind, agent: String? = nil, _ data: JSONObject = JSONObject()) {
        pendingEvents.append(
            EngineEvent.Draft(
                time: Timestamp.format(clock.now()), tick: state.tick.nextTick, kind: kind, agent: agent, data: data))
    }

    // MARK: - Reading

    /// The next tick to run.
    public var nextTick: Int { state.tick.nextTick }
    /// The org's settings as loaded.
    public var configuration: OrgConfig { config }
    /// Whether the whole engine is paused.
    public var isPaused: Bool { state.tick.isPaused }

    /// Whether `max_ticks` of `lemming.json` has been reached.
    public var reachedMaxTicks: Bool {
        guard let maxTicks = config.maxTicks else { return false }
        return state.tick.nextTick > maxTicks
    }

    /// The balance of an agent's account.
    public func balance(of agent: String) -> Double? { state.ledger[agent]?.balance }

    /// Waits until the files of every committed tick are written (they are written by the store
    /// while the next tick runs).
    ///
    /// - Throws: ``LemmingError`` when a write failed (the engine then stops).
    public func flush() throws {
        do {
            try store.flush()
        } catch {
            isBroken = true
            throw error
        }
    }

    /// Test hook: see ``FileOrgStore/crashPoint``.
    package func setCrashPoint(_ hook: (@Sendable (FileOrgStore.CommitStep) throws -> Void)?) {
        store.crashPoint = hook
    }

    // MARK: - Transactions

    func makeTransaction(label: String) -> TickTransaction {
        let store = self.store
        let isTick = label == "tick"
        let context = TickTransaction.Context(
            config: config, agents: agents, graph: graph, tools: tools, models: registry, paths: paths, clock: clock,
            bus: bus, readEntry: { store.readEntry($0) }, outcomes: isTick ? outcomes : nil,
            recorded: isTick ? interruptedTick : nil)
        return TickTransaction(tick: state.tick.nextTick, label: label, state: state, context: context)
    }

    /// Commits a transaction, makes its state current, then numbers and publishes its events
    /// (DESIGN §5.6: one counter, persisted with the commit; events go out only once durable).
    /// A failure breaks the engine.
    ///
    /// - Returns: the events published.
    @discardableResult
    func commit(_ transaction: inout TickTransaction, advanceTick: Bool) throws -> [EngineEvent] {
        var changes = transaction.finish(advanceTick: advanceTick)
        changes.snapshots = editedFiles()
        let drafts = pendingEvents + transaction.events
        var tickState = changes.tickState ?? transaction.state.tick
        let first = tickState.nextEventSequence
        tickState.nextEventSequence += drafts.count
        changes.tickState = tickState
        let events = drafts.enumerated().map { EngineEvent($1, sequence: first + $0) }
        let bus = self.bus
        do {
            // Published once the commit's files are on disk, so a reader never learns of an entry
            // before its file exists.
            let committed = CommittedChanges(
                tick: changes.tick, events: events, entries: changes.entries, memory: changes.memory,
                archived: changes.archived)
            let turnLines = changes.turnLines
            try store.commit(changes) { offsets in
                var committed = committed
                committed.turnLines = zip(turnLines, offsets).map {
                    CommittedChanges.TurnLines(agent: $0.agent, offset: $1, bytes: $0.bytes, summary: $0.summary)
                }
                bus.publish(committed)
            }
        } catch {
            isBroken = true
            logger.error("commit failed; stopping", metadata: ["error": "\(error)"])
            throw error
        }
        state = transaction.state
        state.tick = tickState
        pendingEvents = []
        for entry in changes.entries { state.outboxes.cache(entry) }
        return events
    }

    /// Resumes and settings edited since the last commit, for the state history.
    private func editedFiles() -> [TickChanges.FileWrite] {
        var current = [(paths.config, configInfo), (paths.models, modelsInfo)]
        for name in agents.keys.sorted(by: Names.precedes) {
            current.append((paths.resume(name), agents[name]?.fileInfo))
        }
        var files: [TickChanges.FileWrite] = []
        for (path, info) in current
        where info?.isRegularFile == true && (info?.size ?? 0) <= 4_194_304 && info != checkedFiles[path] {
            checkedFiles[path] = info
            let relative = paths.relative(path)
            if let bytes = try? FileSystem.read(path), bytes != store.recordedFile(relative) {
                files.append(TickChanges.FileWrite(path: relative, content: bytes))
            }
        }
        return files
    }

    func checkUsable() throws {
        if isClosed { throw LemmingError(.invalidArgument, "the engine is closed") }
        if isBroken {
            throw LemmingError(.io, "a commit failed earlier; restart the engine to recover", path: paths.root)
        }
        if isTicking {
            throw LemmingError(.conflict, "a tick is running on this engine; try again when it has committed")
        }
    }

    /// Writes `state/providers.json` when a circuit breaker changed. Telemetry, outside the
    /// journal: losing it in a crash loses nothing (the breakers start closed again).
    func writeProviderHealth() {
        let health = providers.health
        guard health != writtenHealth else { return }
        writtenHealth = health
        let document: JSONValue = [
            "updated_at": .string(Timestamp.format(clock.now())), "endpoints": .array(health.map(\.json)),
        ]
        do {
            try FileSystem.writeAtomically(JSONWriter().bytes(document), to: paths.providerHealth)
        } catch {
            logger.warning("could not write the provider health", metadata: ["error": "\(error)"])
        }
    }

    /// Writes `state/providers.json` while a tick's turns run, at most once a second, so that
    /// `lemming status` shows the calls waiting for a rate limit during a long tick.
    func writeProviderHealthDuringTick() {
        let now = clock.monotonicNanoseconds()
        guard now >= nextHealthWrite else { return }
        nextHealthWrite = now + 1_000_000_000
        writeProviderHealth()
    }

    // MARK: - Control

    /// Applies control commands now, as one commit, without running a tick (used when no other
    /// engine runs: the caller holds the lock through this engine).
    ///
    /// A command that cannot be applied (an unknown agent, a bad amount) is not an error: it is
    /// committed as a `command_rejected` event.
    ///
    /// - Returns: the events of the commands (`command_applied` or `command_rejected`, …).
    /// - Throws: ``LemmingError`` `.invalidArgument` when the engine is closed, `.conflict` while a
    ///   tick runs on it, `.io` when a commit failed earlier or this one cannot be written (the
    ///   engine then stops).
    @discardableResult
    public func apply(_ commands: [ControlCommand]) throws -> [EngineEvent] {
        try checkUsable()
        try refresh()
        var transaction = makeTransaction(label: "control")
        transaction.openAccounts()
        for command in commands { transaction.apply(command, file: nil) }
        return try commit(&transaction, advanceTick: false)
    }

    /// Commits `engine_stopped`, checkpoints (every file flushed to disk, the journal emptied) and
    /// releases the lock. The engine is unusable after; closing twice does nothing.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if !isBroken {
            do {
                note(.engineStopped, ["next_tick": .int(state.tick.nextTick)])
                var transaction = makeTransaction(label: "stop")
                try commit(&transaction, advanceTick: false)
                try store.checkpoint()
            } catch {
                logger.warning("closing failed; the next start recovers", metadata: ["error": "\(error)"])
            }
            writeProviderHealth()
        }
        bus.flush()
        lock.release()
    }
}
