import GRDB
import LemmingCore
import LemmingJSON
import Logging

#if canImport(Glibc)
import Glibc
#endif

extension SearchIndex {
    /// Events applied in one write transaction at most.
    static let eventsPerTransaction = 20_000

    /// The index's position: the last engine event it applied.
    struct Position: Sendable, Equatable {
        var sequence: Int
        var tick: Int
        var logInode: UInt64?
        var logOffset: Int
    }

    static func position(_ db: Database) throws -> Position {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, tick, log_inode, log_offset FROM position") else {
            return Position(sequence: 0, tick: 0, logInode: nil, logOffset: 0)
        }
        let inode: Int64? = row["log_inode"]
        return Position(
            sequence: row["seq"], tick: row["tick"], logInode: inode.map { UInt64(bitPattern: $0) },
            logOffset: row["log_offset"])
    }

    static func counts(_ db: Database) throws -> IndexCounts {
        var counts = IndexCounts()
        for row in try Row.fetchAll(
            db, sql: "SELECT source, archived, count(*) AS n FROM documents GROUP BY source, archived")
        {
            let number: Int = row["n"]
            switch SearchSource(code: row["source"]) {
            case .entries:
                counts.entries += number
                if row["archived"] as Bool { counts.archivedEntries += number }
            case .memory: counts.memory += number
            case .turns: counts.turns += number
            case nil: break
            }
        }
        return counts
    }

    /// What catching up did.
    public enum CatchUp: Sendable, Equatable {
        /// Nothing was missing.
        case current
        /// This many events were applied, from the log or as handed over.
        case events(Int)
        /// The events were gone: the index was reconciled with the files.
        case scanned
        /// The index was ahead of the org (reset, or replaced): it was built again.
        case rebuilt
    }

    /// Brings the index up to the org's last committed event: from `logs/engine.jsonl` (and its
    /// rotated files) when they hold the missing events, else by reconciling with the files.
    ///
    /// - Throws: ``LemmingError`` `.io` when the index or the org cannot be read or written.
    @discardableResult
    public func catchUp() throws -> CatchUp {
        // The position first: reading it may build the index, from the org as it is then.
        let position = try withDatabase { try $0.read(Self.position) }
        let org = try OrgPosition.read(paths)
        // Event ticks never pass the org's next tick; either passing it means the org was reset —
        // when it stays so over a few reads: a state file read as it was rewritten says so for an
        // instant only.
        if Self.isAhead(position, of: org), try Self.staysAhead(position, paths: paths) {
            logger.warning(
                "the search index is ahead of the org (reset or replaced); rebuilding it",
                metadata: ["index": "\(position.sequence)", "org": "\(org.sequence)"])
            try rebuild()
            return .rebuilt
        }
        guard position.sequence < org.sequence else { return .current }
        let (events, log) = readLog(after: position)
        let missing = events.filter { $0.sequence > position.sequence }
        if missing.first?.sequence == position.sequence + 1 {
            var applied = 0
            var start = 0
            while start < missing.count {
                let end = min(start + Self.eventsPerTransaction, missing.count)
                let isLast = end == missing.count
                switch try apply(Array(missing[start..<end]), log: isLast ? log : nil) {
                case .applied(let count): applied += count
                case .gap: return try scan()
                }
                start = end
            }
            return .events(applied)
        }
        // The log lags the state files for an instant after each commit: nothing after the
        // position yet is not a gap. Events that are gone show as one (the first found is later).
        if missing.isEmpty, log != nil { return .current }
        return try scan()
    }

    static func isAhead(_ position: Position, of org: OrgPosition) -> Bool {
        position.sequence > org.sequence || position.tick > org.nextTick
    }

    /// Whether the org is still behind the index after a few more reads, yielding the processor in
    /// between (as the store's readers of state files do; this runs on callers' threads, where a
    /// blocking sleep would hold a thread of the cooperative pool).
    static func staysAhead(_ position: Position, paths: OrgPaths) throws -> Bool {
        for _ in 0..<3 {
            sched_yield()
            guard isAhead(position, of: try OrgPosition.read(paths)) else { return false }
        }
        return true
    }

    /// Reconciles the index with the org's files (see ``OrgScanner``).
    @discardableResult
    func scan() throws -> CatchUp {
        logger.notice("catching the search index up from the org's files")
        let scanner = OrgScanner(paths: paths)
        try withDatabase { pool in
            try pool.write { db in
                let start = try scanner.startingPoint()
                _ = try scanner.scan(into: db)
                try db.execute(
                    sql: "UPDATE position SET seq = ?, tick = ?, log_inode = ?, log_offset = ?",
                    arguments: [
                        start.sequence, start.tick, start.logInode.map(Int64.init(bitPattern:)), start.logOffset,
                    ])
            }
        }
        return .scanned
    }

    /// Where the log was read up to.
    struct LogPosition: Sendable, Equatable {
        var inode: UInt64
        var offset: Int
    }

    /// The events the log holds after `position`: from the remembered offset when the file is
    /// the same one, else from every log file (rotation happened meanwhile).
    func readLog(after position: Position) -> ([EngineEvent], LogPosition?) {
        guard let info = FileSystem.info(paths.engineLog) else {
            return (EventLogFiles(paths: paths).events(after: position.sequence, before: Int.max), nil)
        }
        if position.logInode == info.inode, position.logOffset <= info.size {
            guard position.logOffset < info.size,
                let bytes = try? FileSystem.read(
                    paths.engineLog, from: position.logOffset, maxCount: info.size - position.logOffset)
            else { return ([], LogPosition(inode: info.inode, offset: position.logOffset)) }
            let complete = (bytes.lastIndex(of: 0x0A) ?? -1) + 1
            return (
                EventLogFiles.parse(Array(bytes[..<complete])),
                LogPosition(inode: info.inode, offset: position.logOffset + complete)
            )
        }
        // Complete lines only: the end of the current file may be a line being written.
        let end: Int
        if let tail = try? FileSystem.read(paths.engineLog, from: 0, maxCount: info.size) {
            end = (tail.lastIndex(of: 0x0A) ?? -1) + 1
        } else {
            end = 0
        }
        return (
            EventLogFiles(paths: paths).events(after: position.sequence, before: Int.max),
            LogPosition(inode: info.inode, offset: end)
        )
    }

    /// What applying events did.
    enum Applied: Sendable, Equatable {
        case applied(Int)
        /// The events do not follow the index's position: some are missing.
        case gap
    }

    /// Applies committed events in order: written entries, memory updates, archiving, and the
    /// turn records of the agents that had turns. Events the index already has are skipped.
    ///
    /// - Parameter log: where reading the log got to, remembered with the position.
    /// - Throws: ``LemmingError`` `.io` when the index cannot be written.
    func apply(_ events: [EngineEvent], log: LogPosition? = nil) throws -> Applied {
        let before = try withDatabase { try $0.read(Self.position) }
        let fresh = events.filter { $0.sequence > before.sequence }
        guard let first = fresh.first, let last = fresh.last else { return .applied(0) }
        guard first.sequence == before.sequence + 1 else { return .gap }
        // Files are read before the write transaction, which then holds the lock briefly.
        let changes = Self.changes(in: fresh, paths: paths)
        // The index's tick is the last committed one it covers (engine_stopped and a human's
        // message carry the next tick, not yet run).
        let committedTick = (try? OrgPosition.read(paths).tick) ?? Int.max
        return try withDatabase { pool in
            try pool.write { db in
                let position = try Self.position(db)
                guard position.sequence < last.sequence else { return .applied(0) }
                let store = DocumentStore(db: db)
                for document in changes.entries { try store.add(document) }
                for (agent, key, record) in changes.memory {
                    if let record {
                        try store.replaceMemory(SearchDocument(memory: record, agent: agent))
                    } else {
                        try store.removeMemory(agent: agent, key: key)
                    }
                }
                if let tick = changes.archivedBefore { try store.archive(before: tick) }
                for agent in changes.turnAgents.sorted() { try store.indexTurns(of: agent, paths: paths) }
                let tick = min(fresh.compactMap(\.tick).max() ?? position.tick, committedTick)
                try db.execute(
                    sql: "UPDATE position SET seq = ?, tick = ?, log_inode = ?, log_offset = ?",
                    arguments: [
                        last.sequence, max(tick, position.tick),
                        (log?.inode ?? position.logInode).map(Int64.init(bitPattern:)),
                        log?.offset ?? position.logOffset,
                    ])
                return .applied(fresh.count)
            }
        }
    }

    /// What a run of events changed, read from the files.
    struct Changes {
        var entries: [SearchDocument] = []
        var memory: [(agent: String, key: String, record: MemoryRecord?)] = []
        var archivedBefore: Int?
        var turnAgents: Set<String> = []
    }

    static func changes(in events: [EngineEvent], paths: OrgPaths) -> Changes {
        var changes = Changes()
        var memoryKeys: [(String, String)] = []
        var seenKeys = Set<String>()
        for event in events {
            switch event.kind {
            case .entryWritten:
                guard let text = event.data["id"]?.stringValue, let id = EntryID(text),
                    let (entry, archived) = EntryReader.find(id, paths: paths)
                else { continue }
                changes.entries.append(SearchDocument(entry: entry, archived: archived))
            case .memoryUpdated:
                guard let agent = event.agent, let key = event.data["key"]?.stringValue else { continue }
                if seenKeys.insert(agent + "/" + key).inserted { memoryKeys.append((agent, key)) }
            case .entriesArchived:
                if let tick = event.data["before_tick"]?.intValue {
                    changes.archivedBefore = max(changes.archivedBefore ?? tick, tick)
                }
            case .turnFinished, .turnFailed, .turnSkipped, .budgetExhausted:
                if let agent = event.agent { changes.turnAgents.insert(agent) }
            default:
                continue
            }
        }
        for (agent, key) in memoryKeys {
            guard Names.isValidMemoryKey(key) else { continue }
            let path = paths.memory(agent, key: key)
            changes.memory.append((agent, key, MemoryReader.read(path, file: paths.relative(path))))
        }
        return changes
    }
}
