import GRDB
import LemmingCore
import LemmingJSON

/// What `lemming index status` and `GET /api/search` tell about the index.
public struct SearchIndexStatus: Sendable, Equatable {
    /// `state/search.sqlite`, relative to the org.
    public var path: String
    /// The database file and its write-ahead log, in bytes.
    public var bytes: Int
    public var schemaVersion: Int
    /// The last engine event the index applied, and its tick.
    public var sequence: Int
    public var tick: Int
    /// The org's last committed event and tick.
    public var orgSequence: Int
    public var orgTick: Int
    public var counts: IndexCounts

    /// Whether committed events are not in the index yet.
    public var isBehind: Bool { sequence < orgSequence }

    public var json: JSONValue {
        [
            "path": .string(path), "bytes": .int(bytes), "schema_version": .int(schemaVersion),
            "seq": .int(sequence), "tick": .int(tick), "org_seq": .int(orgSequence), "org_tick": .int(orgTick),
            "behind": .bool(isBehind),
            "documents": [
                "entries": .int(counts.entries), "archived_entries": .int(counts.archivedEntries),
                "memory": .int(counts.memory), "turns": .int(counts.turns),
            ],
        ]
    }
}

extension SearchIndex {
    /// Where the index is, how big, and how far behind the org.
    ///
    /// - Throws: ``LemmingError`` `.io` when the index or `state/tick.json` cannot be read.
    public func status() throws -> SearchIndexStatus {
        let (position, counts, version) = try withDatabase { pool in
            try pool.read { db in
                (try Self.position(db), try Self.counts(db), try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
            }
        }
        let org = try OrgPosition.read(paths)
        let bytes = ["", "-wal"].compactMap { FileSystem.info(paths.searchIndex + $0)?.size }.reduce(0, +)
        return SearchIndexStatus(
            path: paths.relative(paths.searchIndex), bytes: bytes, schemaVersion: version, sequence: position.sequence,
            tick: position.tick, orgSequence: org.sequence, orgTick: org.tick, counts: counts)
    }

    /// How far the index is, cheaply (one row and `state/tick.json`): the tick of its last event,
    /// and whether committed events are not in it yet.
    ///
    /// - Throws: ``LemmingError`` `.io` when the index or `state/tick.json` cannot be read.
    public func freshness() throws -> (tick: Int, isBehind: Bool) {
        let position = try withDatabase { try $0.read(Self.position) }
        let org = try OrgPosition.read(paths)
        return (position.tick, position.sequence < org.sequence)
    }

    /// The position the index reached (cheap: one row).
    ///
    /// - Throws: ``LemmingError`` `.io` when the index cannot be read.
    public func appliedSequence() throws -> Int {
        try withDatabase { try $0.read(Self.position) }.sequence
    }

    /// SQLite's `PRAGMA quick_check` of the file: `nil` when it is sound, else what is wrong.
    ///
    /// - Throws: ``LemmingError`` `.io` when the file cannot be read at all.
    public func check() throws -> String? {
        let result = try withDatabase { pool in
            try pool.read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
        }
        return result == ["ok"] ? nil : result.joined(separator: "; ")
    }
}
