import LemmingJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The org's files: reads them into an ``OrgSnapshot`` and commits ``TickChanges`` through the
/// journal (DESIGN §4, §5.6).
///
/// Not thread-safe: one engine owns it, under the engine lock. A commit writes and syncs the
/// journal, then applies it; the files written are flushed to disk and the journals removed at
/// each checkpoint. Recovery re-applies, in order, the journals left by a crash.
public final class FileOrgStore {
    public let paths: OrgPaths
    /// Commits between checkpoints.
    public var checkpointInterval: Int
    /// A step of a commit, for ``crashPoint``.
    package enum CommitStep: Sendable, Equatable {
        case beforeJournal(tick: Int)
        case journalWritten(tick: Int, operations: Int)
        case applied(tick: Int, operation: Int)
    }

    /// Test hook: called at every step of a commit; throwing there stops the commit at that
    /// instant, as a crash would (the journal stays for recovery).
    package var crashPoint: (@Sendable (CommitStep) throws -> Void)?

    /// A journal record written and synced whose files are not written yet.
    package struct PendingApply: Sendable {
        let journal: Journal
        let root: String
        let crashPoint: (@Sendable (CommitStep) throws -> Void)?

        /// Writes the record's files.
        ///
        /// - Parameter parallel: use two threads for large records (false beside a running tick).
        package func run(parallel: Bool = true) throws {
            let tick = journal.tick
            try journal.apply(
                root: root, recovering: false, parallel: parallel,
                afterEach: crashPoint.map { hook in { try hook(.applied(tick: tick, operation: $0)) } })
        }
    }

    private var pending: PendingApply?
    private var turnLogSizes: [String: Int] = [:]
    private var commitsSinceCheckpoint = 0

    public init(paths: OrgPaths, checkpointInterval: Int = 16) {
        self.paths = paths
        self.checkpointInterval = checkpointInterval
    }

    // MARK: - Recovery

    /// The write-ahead journal: `state/journal/journal.log`.
    var journalFile: String { paths.journal + "/journal.log" }

    /// Re-applies, in order, the journal records a crash left behind, then checkpoints.
    ///
    /// - Returns: the ticks of the records applied.
    @discardableResult
    public func recover() throws -> [Int] {
        // Temporary files of writes a crash interrupted: their targets were never replaced.
        for name in try FileSystem.list(paths.state) ?? [] where FileSystem.isTemporaryName(name) {
            try FileSystem.remove(paths.state + "/" + name)
        }
        guard let bytes = try FileSystem.readIfPresent(journalFile), !bytes.isEmpty else { return [] }
        let (records, _) = try Journal.records(in: bytes, file: paths.relative(journalFile))
        for record in records { try record.apply(root: paths.root) }
        try checkpoint()
        return records.map(\.tick)
    }

    // MARK: - Loading

    /// Reads `lemming.json`.
    public func loadConfig() throws -> (OrgConfig, [ValidationIssue]) {
        guard let bytes = try FileSystem.readIfPresent(paths.config) else {
            throw LemmingError(.notAnOrg, "no lemming.json: not an org directory", path: paths.root)
        }
        let folderName = paths.root.split(separator: "/").last.map(String.init) ?? "org"
        return OrgConfig.parse(bytes, defaultName: folderName)
    }

    /// Reads `models.json` over the built-in registry.
    public func loadRegistry() throws -> (ModelRegistry, [ValidationIssue]) {
        ModelRegistry.load(try FileSystem.readIfPresent(paths.models))
    }

    /// Finds and validates every agent folder (DESIGN §4: exactly `agents/<name>/resume.json`, one
    /// level, sorted by name). Resumes whose file did not change since `previous` are reused.
    public func scanAgents(
        previous: [String: AgentRecord],
        registry: ModelRegistry,
        knownTools: Set<String>?
    ) throws -> [String: AgentRecord] {
        let folders = (try FileSystem.list(paths.agents) ?? []).filter { !$0.hasPrefix(".") }.sorted(by: Names.precedes)
        var records: [String: AgentRecord] = [:]
        let names = Set(folders.filter(Names.isValidAgentName))
        for folder in folders {
            let file = paths.relative(paths.resume(folder))
            guard Names.isValidAgentName(folder) else {
                guard FileSystem.info(paths.agent(folder))?.isDirectory == true else { continue }
                let issue = ValidationIssue(
                    .error, file: "agents/\(folder)", field: "", rule: "folder_name",
                    message: "'\(folder)' is not a valid agent name (lowercase letters, digits, '_'); folder ignored")
                records[folder] = AgentRecord(name: folder, resume: nil, issues: [issue], hasResumeFile: false)
                continue
            }
            let info = FileSystem.info(paths.resume(folder))
            guard let info, info.isRegularFile else {
                if FileSystem.info(paths.agent(folder))?.isDirectory == true {
                    records[folder] = AgentRecord(name: folder, resume: nil, issues: [], hasResumeFile: false)
                }
                continue
            }
            if let old = previous[folder], old.fileInfo == info {
                records[folder] = old
                continue
            }
            let validator = ResumeValidator(
                context: .init(folderName: folder, modelKeys: registry.keys, knownTools: knownTools, knownAgents: names)
            )
            let bytes = try FileSystem.read(paths.resume(folder))
            let result = validator.validate(bytes: bytes, file: file)
            records[folder] = AgentRecord(
                name: folder, resume: result.resume, issues: result.issues, hasResumeFile: true, fileInfo: info)
        }
        return records
    }

    /// Loads everything: config, registry, agents, state, memory and the outbox index.
    public func load(knownTools: Set<String>? = nil) throws -> OrgSnapshot {
        let (config, configIssues) = try loadConfig()
        let (registry, registryIssues) = try loadRegistry()
        checkpointInterval = config.checkpointEveryTicks
        let agents = try scanAgents(previous: [:], registry: registry, knownTools: knownTools)
        var unreadable: [LemmingError] = []
        let (tick, ledger, cursors, runtimes) = try loadState()
        var memory: [String: MemoryBook] = [:]
        var outboxes = OutboxIndex()
        for name in agents.keys.sorted(by: Names.precedes) where Names.isValidAgentName(name) {
            memory[name] = try loadMemory(of: name, unreadable: &unreadable)
            outboxes.setIDs(try listOutbox(of: name, unreadable: &unreadable), for: name)
        }
        return OrgSnapshot(
            config: config, registry: registry, configIssues: configIssues + registryIssues, agents: agents,
            tick: tick, ledger: ledger, cursors: cursors, runtimes: runtimes, memory: memory, outboxes: outboxes,
            unreadable: unreadable)
    }

    /// The engine-owned state files (`state/`), with defaults for those not written yet.
    public func loadState() throws -> (tick: TickState, ledger: Ledger, cursors: CursorTable, runtimes: AgentRuntimes) {
        (
            try readState(paths.tick) { try TickState(json: $0, file: $1) } ?? TickState(),
            try readState(paths.ledger) { try Ledger(json: $0, file: $1) } ?? Ledger(),
            try readState(paths.cursors) { try CursorTable(json: $0, file: $1) } ?? CursorTable(),
            try readState(paths.agentStates) { try AgentRuntimes(json: $0, file: $1) } ?? AgentRuntimes()
        )
    }

    /// Reads a state file. The engine rewrites state files in place under its journal, so a reader
    /// without the lock can catch one mid-write: an unreadable file is read again a few times
    /// before it counts as corrupt.
    private func readState<T>(_ path: String, _ make: (JSONValue, String) throws -> T) throws -> T? {
        let file = paths.relative(path)
        var attempt = 0
        while true {
            guard let bytes = try FileSystem.readIfPresent(path) else { return nil }
            do {
                return try make(try JSONValue.parse(bytes), file)
            } catch let error as JSONParseError {
                attempt += 1
                guard attempt < 5 else {
                    throw LemmingError(.invalidFile, "not valid JSON (\(error)); fix or remove the file", path: file)
                }
                usleep(2_000)
            }
        }
    }

    package func loadMemory(of agent: String, unreadable: inout [LemmingError]) throws -> MemoryBook {
        let directory = paths.memory(agent)
        var records: [MemoryRecord] = []
        for name in (try FileSystem.list(directory) ?? []).sorted() {
            let path = directory + "/" + name
            if FileSystem.isTemporaryName(name) {
                try FileSystem.remove(path)
                continue
            }
            guard name.hasSuffix(".json") else { continue }
            do {
                let record = try MemoryRecord(
                    json: try JSONValue.parse(try FileSystem.read(path)), file: paths.relative(path))
                guard record.key + ".json" == name else {
                    throw LemmingError(.invalidFile, "key does not match the file name", path: paths.relative(path))
                }
                records.append(record)
            } catch let error as LemmingError {
                unreadable.append(error)
            } catch {
                unreadable.append(LemmingError(.invalidFile, "not valid JSON (\(error))", path: paths.relative(path)))
            }
        }
        return MemoryBook(records: records)
    }

    package func listOutbox(of agent: String, unreadable: inout [LemmingError]) throws -> [EntryID] {
        let directory = paths.outbox(agent)
        var ids: [EntryID] = []
        for name in try FileSystem.list(directory) ?? [] {
            if FileSystem.isTemporaryName(name) {
                try FileSystem.remove(directory + "/" + name)
                continue
            }
            guard let id = EntryID(fileName: name, author: agent) else {
                if !name.hasPrefix(".") {
                    unreadable.append(
                        LemmingError(
                            .invalidFile,
                            "not an entry file of '\(agent)' (expected <tick>-\(agent)-<seq>.json); skipped",
                            path: paths.relative(directory + "/" + name)))
                }
                continue
            }
            ids.append(id)
        }
        return ids
    }

    /// Reads one entry from its outbox file.
    public func readEntry(_ id: EntryID) -> Result<OutboxEntry, LemmingError> {
        let path = paths.entry(id)
        let file = paths.relative(path)
        do {
            let bytes = try FileSystem.read(path)
            let entry = try OutboxEntry(json: try JSONValue.parse(bytes), file: file)
            guard entry.id == id else {
                return .failure(LemmingError(.invalidFile, "id does not match the file name", path: file))
            }
            return .success(entry)
        } catch let error as LemmingError {
            return .failure(error)
        } catch {
            return .failure(LemmingError(.invalidFile, "not valid JSON (\(error))", path: file))
        }
    }

    /// The pending command files, oldest first, each parsed or with the reason it cannot be.
    public func pendingCommands() throws -> [(file: String, command: Result<ControlCommand, LemmingError>)] {
        var result: [(String, Result<ControlCommand, LemmingError>)] = []
        for name in (try FileSystem.list(paths.commands) ?? []).sorted()
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = paths.commands + "/" + name
            do {
                let command = try ControlCommand(
                    json: try JSONValue.parse(try FileSystem.read(path)), file: paths.relative(path))
                result.append((name, .success(command)))
            } catch let error as LemmingError {
                result.append((name, .failure(error)))
            } catch {
                result.append(
                    (
                        name,
                        .failure(LemmingError(.invalidFile, "not valid JSON (\(error))", path: paths.relative(path)))
                    ))
            }
        }
        return result
    }

    // MARK: - Commit

    /// Makes `changes` durable: the journal record is appended and synced. Its files are written
    /// at once, or, with `deferringFiles`, left pending for the caller to write with
    /// ``takePending()`` (while it prepares the next commit) — a crash in between loses nothing,
    /// since recovery writes them from the journal.
    public func commit(_ changes: TickChanges, deferringFiles: Bool = false) throws {
        try applyPending()
        let journal = makeJournal(changes)
        try crashPoint?(.beforeJournal(tick: journal.tick))
        try FileSystem.makeDirectory(paths.journal)
        if try FileSystem.appendDurably(journal.record, to: journalFile) {
            try FileSystem.syncDirectory(paths.journal)
        }
        try crashPoint?(.journalWritten(tick: journal.tick, operations: journal.operations.count))
        for lines in changes.turnLines {
            turnLogSizes[lines.agent, default: 0] += lines.bytes.count
        }
        pending = PendingApply(journal: journal, root: paths.root, crashPoint: crashPoint)
        if !deferringFiles { try applyPending() }
        commitsSinceCheckpoint += 1
        if commitsSinceCheckpoint >= checkpointInterval { try checkpoint() }
    }

    /// The committed record whose files are not written yet, if any; the caller must run it
    /// before the next commit.
    package func takePending() -> PendingApply? {
        defer { pending = nil }
        return pending
    }

    /// Writes the files of the pending record, if any.
    public func applyPending() throws {
        guard let record = takePending() else { return }
        try record.run()
    }

    private func turnLogSize(_ agent: String) -> Int {
        if let size = turnLogSizes[agent] { return size }
        let size = FileSystem.info(paths.turns(agent))?.size ?? 0
        turnLogSizes[agent] = size
        return size
    }

    private func makeJournal(_ changes: TickChanges) -> Journal {
        var journal = Journal(tick: changes.tick, label: changes.label)
        let pretty = JSONWriter(style: .pretty)
        for entry in changes.entries {
            journal.operations.append(.create(path: paths.relative(paths.entry(entry.id)), content: entry.fileBytes))
        }
        for change in changes.memory {
            let path = paths.relative(paths.memory(change.agent, key: change.key))
            if let record = change.record {
                journal.operations.append(.replace(path: path, content: pretty.bytes(record.json)))
            } else {
                journal.operations.append(.delete(path: path))
            }
        }
        for file in changes.files {
            journal.operations.append(.create(path: file.path, content: file.content))
        }
        for lines in changes.turnLines {
            journal.operations.append(
                .append(
                    path: paths.relative(paths.turns(lines.agent)), base: turnLogSize(lines.agent), content: lines.bytes
                ))
        }
        for id in changes.archived {
            journal.operations.append(
                .move(from: paths.relative(paths.entry(id)), to: paths.relative(paths.archivedEntry(id))))
        }
        if let ledger = changes.ledger {
            journal.operations.append(.replace(path: paths.relative(paths.ledger), content: pretty.bytes(ledger.json)))
        }
        if let cursors = changes.cursors {
            journal.operations.append(
                .replace(path: paths.relative(paths.cursors), content: pretty.bytes(cursors.json)))
        }
        if let runtimes = changes.runtimes {
            journal.operations.append(
                .replace(path: paths.relative(paths.agentStates), content: pretty.bytes(runtimes.json)))
        }
        for name in changes.consumedCommands {
            journal.operations.append(.delete(path: paths.relative(paths.commands + "/" + name)))
        }
        if let tickState = changes.tickState {
            journal.operations.append(.replace(path: paths.relative(paths.tick), content: pretty.bytes(tickState.json)))
        }
        return journal
    }

    /// Flushes everything written since the last checkpoint to disk, then empties the journal.
    public func checkpoint() throws {
        try applyPending()
        try FileSystem.syncFileSystem(containing: paths.root)
        try FileSystem.truncate(journalFile, to: 0)
        commitsSinceCheckpoint = 0
    }
}
