import GRDB
import LemmingCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The org's search index: `state/search.sqlite`, SQLite with FTS5 (DESIGN §2.5, §3).
///
/// Derived data: every outbox entry (the archive's included), memory record and turn record, with
/// the fields searches filter on. It is never the only copy of anything: deleting the file loses
/// nothing, and a file that is missing, of another schema version or corrupt is rebuilt from the
/// org's files (with a warning). It follows the engine's committed events — handed over in process
/// by ``SearchIndexer``, or read from `logs/engine.jsonl` — and remembers how far it got, so it
/// holds only what is committed and catches up when opened behind.
///
/// Several processes may use one index at once (SQLite's WAL mode and locks); each applies events
/// idempotently past the position it reads in its write transaction.
public final class SearchIndex: Sendable {
    /// The snippet markers SQLite puts around matches (control characters, removed from bodies).
    static let matchStart: UInt8 = 2
    static let matchEnd: UInt8 = 3

    public let paths: OrgPaths
    let logger: Logger
    private let connection = Mutex<Connection?>(nil)
    /// Held while the file is opened or built, so one process never builds it twice at once.
    private let opening = Mutex(())

    private struct Connection: Sendable {
        let pool: DatabasePool
        let inode: UInt64?
    }

    /// An index of the org at `paths` that opens (or builds) its file at first use.
    public init(_ paths: OrgPaths, logger: Logger = Logger(label: "lemming.search")) {
        self.paths = paths
        self.logger = logger
    }

    /// Opens the index of the org at `paths`, building it when it is missing, of another schema
    /// version or corrupt, then catches it up with the org.
    ///
    /// - Parameter catchUp: `false` opens without reading the org (a caller that catches up itself).
    /// - Throws: ``LemmingError`` `.io` when the file cannot be created or the org read.
    public static func open(
        _ paths: OrgPaths, logger: Logger = Logger(label: "lemming.search"), catchUp: Bool = true
    ) throws -> SearchIndex {
        let index = SearchIndex(paths, logger: logger)
        _ = try index.pool()
        if catchUp { try index.catchUp() }
        return index
    }

    // MARK: - The database file

    /// The open database, reopened when the file was replaced (rebuilt by another process) and
    /// rebuilt when it is missing, unreadable or of another schema version.
    func pool() throws -> DatabasePool {
        if let current = currentPool() { return current }
        return try opening.withLock { _ in
            if let current = currentPool() { return current }
            return try openPool()
        }
    }

    private func currentPool() -> DatabasePool? {
        let info = FileSystem.info(paths.searchIndex)
        guard let current = connection.withLock({ $0 }), let info, current.inode == info.inode else { return nil }
        return current.pool
    }

    private func openPool() throws -> DatabasePool {
        let info = FileSystem.info(paths.searchIndex)
        closeConnection()
        guard info != nil else {
            logger.notice("building the search index", metadata: ["path": "\(paths.relative(paths.searchIndex))"])
            _ = try build()
            return try openPool()
        }
        do {
            let pool = try Self.makePool(paths.searchIndex)
            let version = try pool.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } ?? 0
            let hasTables = try pool.read { try $0.tableExists("position") }
            guard version == SearchSchema.version, hasTables else {
                try? pool.close()
                logger.warning(
                    "the search index has another schema version; rebuilding it",
                    metadata: ["found": "\(version)", "expected": "\(SearchSchema.version)"])
                _ = try build()
                return try openPool()
            }
            connection.withLock { $0 = Connection(pool: pool, inode: FileSystem.info(paths.searchIndex)?.inode) }
            return pool
        } catch let error as DatabaseError where Self.isCorruption(error) {
            logger.warning("the search index is corrupt; rebuilding it", metadata: ["error": "\(error.message ?? "")"])
            _ = try build()
            return try openPool()
        } catch let error as DatabaseError {
            throw Self.ioError(error, paths: paths)
        }
    }

    static func makePool(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "lemming.search"
        configuration.prepareDatabase { db in
            // The index is derived: after a power loss it is caught up or rebuilt, so WAL commits
            // need not wait for a sync each.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// Runs `body` on the database; a corrupt file is rebuilt and `body` run once more.
    func withDatabase<T>(_ body: (DatabasePool) throws -> T) throws -> T {
        do {
            return try body(try pool())
        } catch let error as DatabaseError where Self.isCorruption(error) {
            logger.warning("the search index is corrupt; rebuilding it", metadata: ["error": "\(error.message ?? "")"])
            closeConnection()
            try rebuild()
            do {
                return try body(try pool())
            } catch let error as DatabaseError {
                throw Self.ioError(error, paths: paths)
            }
        } catch let error as DatabaseError {
            throw Self.ioError(error, paths: paths)
        }
    }

    func closeConnection() {
        let old = connection.withLock { connection in
            defer { connection = nil }
            return connection
        }
        try? old?.pool.close()
    }

    /// Closes the database; the next use opens it again.
    public func close() { closeConnection() }

    static func isCorruption(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    static func ioError(_ error: DatabaseError, paths: OrgPaths) -> LemmingError {
        LemmingError(.io, "search index: \(error.message ?? "\(error.resultCode)")", path: "state/search.sqlite")
    }

    // MARK: - Rebuilding

    /// Builds a new index from the org's files and puts it in place of the old one (readers in
    /// other processes switch to it at their next use).
    ///
    /// - Returns: what was indexed.
    /// - Throws: ``LemmingError`` `.io` when the org cannot be read or the file written.
    @discardableResult
    public func rebuild() throws -> IndexCounts {
        try opening.withLock { _ in try build() }
    }

    @discardableResult
    private func build() throws -> IndexCounts {
        let path = paths.searchIndex
        try FileSystem.makeDirectory(paths.state)
        let temporary = path + ".rebuild-\(getpid())"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileSystem.remove(temporary + suffix) }
        var counts = IndexCounts()
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            }
            let queue = try DatabaseQueue(path: temporary, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.inTransaction {
                    try SearchSchema.create(db)
                    return Database.TransactionCompletion.commit
                }
                let scanner = OrgScanner(paths: paths)
                let start = try scanner.startingPoint()
                counts = try scanner.scan(into: db)
                try db.execute(
                    sql: "UPDATE position SET seq = ?, tick = ?, log_inode = ?, log_offset = ?, built_at = ?",
                    arguments: [start.sequence, start.tick, start.logInode.map(Int64.init), start.logOffset, nil])
            }
            try queue.close()
        } catch let error as DatabaseError {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileSystem.remove(temporary + suffix) }
            throw Self.ioError(error, paths: paths)
        }
        closeConnection()
        // The old file's journal files belong to it: a new connection must not read them.
        for suffix in ["-wal", "-shm"] { try? FileSystem.remove(path + suffix) }
        _ = try FileSystem.move(temporary, to: path)
        return counts
    }
}

/// How many documents the index holds, by source.
public struct IndexCounts: Sendable, Equatable {
    public var entries = 0
    public var archivedEntries = 0
    public var memory = 0
    public var turns = 0

    public init() {}

    public var total: Int { entries + memory + turns }
}
