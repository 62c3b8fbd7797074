import GRDB
import LemmingCore
import LemmingJSON

/// Something to bring into the index: an event, whose changes are read from the files it names
/// (an engine in another process, the log), or a commit of an engine in this process, which
/// carries them (``EventSink/committed(_:)``).
enum IndexUpdate: Sendable {
    case event(EngineEvent)
    case commit(CommittedChanges)
}

extension SearchIndex {
    /// What applying updates did.
    enum Applied: Sendable, Equatable {
        case applied(Int)
        /// The updates do not follow the index's position: some events are missing.
        case gap
    }

    /// Applies committed events in order: written entries, memory updates, archiving, and the
    /// turn records of the agents that had turns. Events the index already has are skipped.
    ///
    /// - Parameter log: where reading the log got to, remembered with the position.
    /// - Throws: ``LemmingError`` `.io` when the index cannot be written.
    func apply(_ events: [EngineEvent], log: LogPosition? = nil) throws -> Applied {
        try apply(events.map(IndexUpdate.event), log: log)
    }

    /// Applies updates in order, as ``apply(_:log:)`` does events; a commit's entries, memory
    /// records and turn lines are taken as handed over, not read back from the files.
    func apply(_ updates: [IndexUpdate], log: LogPosition? = nil) throws -> Applied {
        let before = try withDatabase { try $0.read(Self.position) }
        // Files are read before the write transaction, which then holds the lock briefly.
        guard let changes = Changes(updates, after: before.sequence, paths: paths) else { return .gap }
        guard changes.lastSequence > before.sequence || changes.hasData else { return .applied(0) }
        // The index's tick is the last committed one it covers (engine_stopped and a human's
        // message carry the next tick, not yet run).
        let committedTick = (try? OrgPosition.read(paths).tick) ?? Int.max
        return try withDatabase { pool in
            try pool.write { db in
                let position = try Self.position(db)
                // Another process (a search catching up) moved it meanwhile: the caller catches up.
                guard position.sequence == before.sequence else { return .gap }
                try changes.write(to: DocumentStore(db: db), paths: paths)
                let tick = min(changes.highestTick ?? position.tick, committedTick)
                try db.execute(
                    sql: "UPDATE position SET seq = ?, tick = ?, log_inode = ?, log_offset = ?",
                    arguments: [
                        max(changes.lastSequence, position.sequence), max(tick, position.tick),
                        (log?.inode ?? position.logInode).map(Int64.init(bitPattern:)),
                        log?.offset ?? position.logOffset,
                    ])
                return .applied(changes.eventCount)
            }
        }
    }

    /// What a run of updates changed: handed over by commits, or read from the files events name.
    struct Changes {
        /// The index's changes, in the order they are written (memory apart: see ``memory``).
        enum Change {
            case entry(SearchDocument)
            case archive(before: Int)
            /// What the agent's `turns.jsonl` gained, read from the file.
            case turnsOf(String)
            case turnLines(CommittedChanges.TurnLines)
        }

        var changes: [Change] = []
        /// Each memory key's last change (its record, or `nil` once deleted), in the order the
        /// keys were first changed: a key an agent rewrites every turn is written once.
        var memory: [MemoryKey: MemoryRecord?] = [:]
        var memoryOrder: [MemoryKey] = []
        var lastSequence: Int
        var eventCount = 0
        var highestTick: Int?

        struct MemoryKey: Hashable {
            var agent: String
            var key: String
        }

        var hasData: Bool { !changes.isEmpty || !memory.isEmpty }

        private mutating func change(_ key: MemoryKey, to record: MemoryRecord?) {
            if memory.updateValue(record, forKey: key) == nil { memoryOrder.append(key) }
        }

        /// The changes of the updates after event `sequence`; `nil` when an event is missing
        /// (one after `sequence` comes later than the next number).
        init?(_ updates: [IndexUpdate], after sequence: Int, paths: OrgPaths) {
            lastSequence = sequence
            var read: [EngineEvent] = []
            for update in updates {
                switch update {
                case .event(let event):
                    guard event.sequence > lastSequence else { continue }
                    guard event.sequence == lastSequence + 1 else { return nil }
                    read.append(event)
                    count(event)
                case .commit(let commit):
                    let fresh = commit.events.filter { $0.sequence > lastSequence }
                    if let first = fresh.first, first.sequence != lastSequence + 1 { return nil }
                    // A commit whose events were all applied was applied whole.
                    guard !fresh.isEmpty || commit.events.isEmpty else { continue }
                    readFiles(of: read, paths: paths)
                    read = []
                    take(commit)
                    fresh.forEach { count($0) }
                }
            }
            readFiles(of: read, paths: paths)
        }

        private mutating func count(_ event: EngineEvent) {
            lastSequence = event.sequence
            eventCount += 1
            if let tick = event.tick { highestTick = max(highestTick ?? tick, tick) }
        }

        /// A commit's changes, as it handed them over (its archiving from its event).
        private mutating func take(_ commit: CommittedChanges) {
            changes += commit.entries.map { .entry(SearchDocument(entry: $0, archived: false)) }
            for change in commit.memory {
                self.change(MemoryKey(agent: change.agent, key: change.key), to: change.record)
            }
            changes += commit.events.compactMap(Self.archiving)
            changes += commit.turnLines.map(Change.turnLines)
        }

        /// The changes events name, read from the files: the entries written, the memory keys
        /// updated (as they are now), archiving, and what the turn logs of agents that had turns
        /// gained.
        private mutating func readFiles(of events: [EngineEvent], paths: OrgPaths) {
            var memoryKeys: [MemoryKey] = []
            var turnAgents = Set<String>()
            for event in events {
                switch event.kind {
                case .entryWritten:
                    guard let text = event.data["id"]?.stringValue, let id = EntryID(text),
                        let (entry, archived) = EntryReader.find(id, paths: paths)
                    else { continue }
                    changes.append(.entry(SearchDocument(entry: entry, archived: archived)))
                case .memoryUpdated:
                    guard let agent = event.agent, let key = event.data["key"]?.stringValue else { continue }
                    memoryKeys.append(MemoryKey(agent: agent, key: key))
                case .entriesArchived:
                    if let archiving = Self.archiving(event) { changes.append(archiving) }
                case .turnFinished, .turnFailed, .turnSkipped, .budgetExhausted:
                    if let agent = event.agent { turnAgents.insert(agent) }
                default:
                    continue
                }
            }
            // Each key once, as the file holds it now.
            var seen = Set<MemoryKey>()
            for key in memoryKeys where Names.isValidMemoryKey(key.key) && seen.insert(key).inserted {
                let path = paths.memory(key.agent, key: key.key)
                change(key, to: MemoryReader.read(path, file: paths.relative(path)))
            }
            changes += turnAgents.sorted().map(Change.turnsOf)
        }

        private static func archiving(_ event: EngineEvent) -> Change? {
            guard event.kind == .entriesArchived, let tick = event.data["before_tick"]?.intValue else { return nil }
            return .archive(before: tick)
        }

        func write(to store: DocumentStore, paths: OrgPaths) throws {
            for change in changes {
                switch change {
                case .entry(let document): try store.add(document)
                case .archive(let tick): try store.archive(before: tick)
                case .turnsOf(let agent): try store.indexTurns(of: agent, paths: paths)
                case .turnLines: break
                }
            }
            // Each agent's handed-over turn lines together: its position is read and written once.
            var turnLines: [String: [CommittedChanges.TurnLines]] = [:]
            var agents: [String] = []
            for case .turnLines(let lines) in changes {
                if turnLines[lines.agent] == nil { agents.append(lines.agent) }
                turnLines[lines.agent, default: []].append(lines)
            }
            for agent in agents { try store.indexTurns(turnLines[agent] ?? [], of: agent, paths: paths) }
            for key in memoryOrder {
                if let record = memory[key] ?? nil {
                    try store.replaceMemory(SearchDocument(memory: record, agent: key.agent))
                } else {
                    try store.removeMemory(agent: key.agent, key: key.key)
                }
            }
        }
    }
}
