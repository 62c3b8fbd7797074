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
}
