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
package final class FileOrgStore {
    package let paths: OrgPaths
    /// Commits between checkpoints.
    package var checkpointInterval: Int
    /// A step of a commit, for ``crashPoint``.
    package enum CommitStep: Sendable, Equatable {
        case beforeJournal(tick: Int)
        case journalWritten(tick: Int, operations: Int)
        case applied(tick: Int, operation: Int)
    }

    /// Test hook: called at every step of a tick's commit; throwing there stops the commit at that
    /// instant, as a crash would (the journal stays for recovery).
    package var crashPoint: (@Sendable (CommitStep) throws -> Void)?

    /// Write a commit's files while the caller goes on (see ``commit(_:whenWritten:)``): for
    /// ticks run back to back. Off, a commit returns once its files are written.
    package var writesBehind = false
    /// Writes committed records' files.
    let writer = JournalWriter()
    var turnLogSizes: [String: Int] = [:]
    /// The state history's recorder, once ``startHistory(_:)`` ran: each commit then appends its line.
    var history: StateHistory?
    var commitsSinceCheckpoint = 0

    package init(paths: OrgPaths, checkpointInterval: Int = 16) {
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
    package func recover() throws -> [Int] {
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
    package func loadConfig() throws -> (OrgConfig, [ValidationIssue]) {
        guard let bytes = try FileSystem.readIfPresent(paths.config) else {
            throw LemmingError(.notAnOrg, "no lemming.json: not an org directory", path: paths.root)
        }
        let folderName = paths.root.split(separator: "/").last.map(String.init) ?? "org"
        return OrgConfig.parse(bytes, defaultName: folderName)
    }

    /// Reads `models.json` over the built-in registry.
    /// `lemming.json` and the model registry, with the issues of both and of how one names the
    /// other (`search.embeddings` must be a model key; when it is not, it is off).
    package func loadSettings() throws -> (OrgConfig, ModelRegistry, [ValidationIssue]) {
        var (config, configIssues) = try loadConfig()
        let (registry, registryIssues) = try loadRegistry()
        if let key = config.search.embeddings, registry[key] == nil {
            configIssues.append(
                ValidationIssue(
                    .error, file: "lemming.json", field: "search.embeddings", rule: "model_key",
                    message: "'\(key)' is not a key of the model registry (models.json or the built-in models)"))
            config.search.embeddings = nil
        }
        return (config, registry, configIssues + registryIssues)
    }

    package func loadRegistry() throws -> (ModelRegistry, [ValidationIssue]) {
        ModelRegistry.load(try FileSystem.readIfPresent(paths.models))
    }

    /// Finds and validates every agent folder (DESIGN §4: exactly `agents/<name>/resume.json`, one
    /// level, sorted by name). Resumes whose file did not change since `previous` are reused.
    package func scanAgents(
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
            guard let info = FileSystem.info(paths.resume(folder)) else {
                if FileSystem.info(paths.agent(folder))?.isDirectory == true {
                    records[folder] = AgentRecord(name: folder, resume: nil, issues: [], hasResumeFile: false)
                }
                continue
            }
            if let old = previous[folder], old.fileInfo == info {
                records[folder] = old
                continue
            }
            // A folder named resume.json, or a file too large to be one: an error, never silence.
            if let issue = ResumeValidator.fileIssue(info, file: file) {
                records[folder] = AgentRecord(
                    name: folder, resume: nil, issues: [issue], hasResumeFile: true, fileInfo: info)
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
    package func load(knownTools: Set<String>? = nil) throws -> OrgSnapshot {
        let (config, registry, settingsIssues) = try loadSettings()
        checkpointInterval = config.checkpointEveryTicks
        let agents = try scanAgents(previous: [:], registry: registry, knownTools: knownTools)
        var unreadable: [LemmingError] = []
        let state = try loadState()
        var memory: [String: MemoryBook] = [:]
        var outboxes = OutboxIndex()
        for name in agents.keys.sorted(by: Names.precedes) where Names.isValidAgentName(name) {
            memory[name] = try loadMemory(of: name, unreadable: &unreadable)
            outboxes.setIDs(try listOutbox(of: name, unreadable: &unreadable), for: name)
        }
        return OrgSnapshot(
            config: config, registry: registry, configIssues: settingsIssues, agents: agents,
            tick: state.tick, ledger: state.ledger, cursors: state.cursors, runtimes: state.runtimes, memory: memory,
            outboxes: outboxes, unreadable: unreadable, unreadableState: state.unreadable)
    }

    /// Reads a state file. The engine rewrites state files in place under its journal, so a reader
    /// without the lock can catch one mid-write (a rewrite takes microseconds): an unreadable file
    /// is read again, yielding the processor in between rather than sleeping on it, before it
    /// counts as corrupt.
    package func readState<T>(_ path: String, _ make: (JSONValue, String) throws -> T) throws -> T? {
        let file = paths.relative(path)
        var attempt = 0
        while true {
            guard let bytes = try FileSystem.readIfPresent(path) else { return nil }
            do {
                return try make(try JSONValue.parse(bytes), file)
            } catch let error as JSONParseError {
                attempt += 1
                guard attempt < 50 else {
                    throw LemmingError(.invalidFile, "not valid JSON (\(error)); fix or remove the file", path: file)
                }
                sched_yield()
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

    /// Reads one entry from its outbox file, or from the archive (`archive/outbox/<agent>/`).
    package func readEntry(_ id: EntryID, archived: Bool = false) -> Result<OutboxEntry, LemmingError> {
        let path = archived ? paths.archivedEntry(id) : paths.entry(id)
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
    ///
    /// A file consumed by a committed record whose files are not written yet is not pending: it
    /// is still on disk, but applying it again would apply it twice. A file that disappears while
    /// the folder is read was just deleted by such a record.
    package func pendingCommands() throws -> [(file: String, command: Result<ControlCommand, LemmingError>)] {
        let consumed = writer.consumedCommands
        var result: [(String, Result<ControlCommand, LemmingError>)] = []
        for name in (try FileSystem.list(paths.commands) ?? []).sorted()
        where name.hasSuffix(".json") && !name.hasPrefix(".") && !consumed.contains(name) {
            let path = paths.commands + "/" + name
            do {
                guard let bytes = try FileSystem.readIfPresent(path) else { continue }
                let command = try ControlCommand(json: try JSONValue.parse(bytes), file: paths.relative(path))
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
}
