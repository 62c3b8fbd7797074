import GRDB
import LemmingCore
import LemmingJSON

/// Writes documents into the index's tables, inside the caller's transaction. Every write is
/// idempotent: applying the same event or file twice leaves the index as once.
struct DocumentStore {
    let db: Database

    /// Adds an entry or a turn record unless it is there; an entry that is there gets its
    /// `archived` flag. Returns whether a row was added.
    @discardableResult
    func add(_ document: SearchDocument) throws -> Bool {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO documents
                    (source, agent, ref, kind, tick, thread, reply_to, priority, recipients, tags, archived, time, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, agent, ref) DO NOTHING
                """)
        try BoundStatement(insert).run(in: db) { bind in
            bind.integer(document.source.code)
            bind.text(document.agent)
            bind.text(document.ref)
            bind.text(document.kind)
            bind.integer(document.tick)
            bind.text(document.thread)
            bind.text(document.replyTo)
            bind.text(document.priority)
            bind.text(document.recipients.map(Self.list))
            bind.text(Self.list(document.tags))
            bind.integer(document.archived ? 1 : 0)
            bind.text(document.time)
            bind.text(document.body)
        }
        guard db.changesCount == 1 else {
            if document.source == .entries {
                try setArchived(agent: document.agent, refs: [document.ref], archived: document.archived)
            }
            return false
        }
        let key = Int64(document.tick) << 32 | db.lastInsertedRowID
        try BoundStatement(db.cachedStatement(sql: "INSERT INTO documents_fts (rowid, body, facets) VALUES (?, ?, ?)"))
            .run(in: db) { bind in
                bind.integer(key)
                bind.text(document.body)
                bind.text(document.facets)
            }
        return true
    }

    /// Puts a memory record's current value in place of the one indexed (a new row, so the
    /// record counts as recent).
    func replaceMemory(_ document: SearchDocument) throws {
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, tick, body FROM documents WHERE source = 1 AND agent = ? AND ref = ?"),
            arguments: [document.agent, document.ref])
        if let existing {
            let tick: Int = existing["tick"]
            let body: String = existing["body"]
            if tick == document.tick, body == document.body { return }
            try delete(id: existing["id"])
        }
        try add(document)
    }

    func removeMemory(agent: String, key: String) throws {
        try delete(where: "source = 1 AND agent = ? AND ref = ?", [agent, key])
    }

    /// Removes one document: its row, its full-text entry (given the values it was indexed with,
    /// as FTS5 requires of an external-content table) and its vector.
    func delete(id: Int64) throws {
        let indexed = try db.cachedStatement(
            sql: "SELECT \(SearchSchema.key()), body, \(SearchSchema.facets("documents")) FROM documents WHERE id = ?")
        guard let row = try Row.fetchOne(indexed, arguments: [id]) else { return }
        try BoundStatement(
            db.cachedStatement(
                sql: "INSERT INTO documents_fts (documents_fts, rowid, body, facets) VALUES ('delete', ?, ?, ?)")
        ).run(in: db) { bind in
            bind.integer(row[0] as Int64)
            bind.text(row[1] as String)
            bind.text(row[2] as String)
        }
        try db.cachedStatement(sql: "DELETE FROM vectors WHERE document = ?").execute(arguments: [id])
        try db.cachedStatement(sql: "DELETE FROM documents WHERE id = ?").execute(arguments: [id])
    }

    /// Removes the documents `condition` (on `documents`) selects, as ``delete(id:)`` does one.
    func delete(where condition: String, _ arguments: StatementArguments) throws {
        try db.execute(
            sql: """
                INSERT INTO documents_fts (documents_fts, rowid, body, facets)
                    SELECT 'delete', \(SearchSchema.key()), body, \(SearchSchema.facets("documents"))
                    FROM documents WHERE \(condition)
                """, arguments: arguments)
        try db.execute(
            sql: "DELETE FROM vectors WHERE document IN (SELECT id FROM documents WHERE \(condition))",
            arguments: arguments)
        try db.execute(sql: "DELETE FROM documents WHERE \(condition)", arguments: arguments)
    }

    /// Marks the entries written before `tick` as archived (DESIGN §5.1: retention moves them all).
    func archive(before tick: Int) throws {
        try db.execute(
            sql: "UPDATE documents SET archived = 1 WHERE source = 0 AND tick < ? AND archived = 0", arguments: [tick])
    }

    func setArchived(agent: String, refs: [String], archived: Bool) throws {
        let statement = try db.cachedStatement(
            sql: "UPDATE documents SET archived = ? WHERE source = 0 AND agent = ? AND ref = ? AND archived != ?")
        for ref in refs { try statement.execute(arguments: [archived, agent, ref, archived]) }
    }

    func remove(source: SearchSource, agent: String, refs: [String]) throws {
        let statement = try db.cachedStatement(
            sql: "SELECT id FROM documents WHERE source = ? AND agent = ? AND ref = ?")
        for ref in refs {
            if let id = try Int64.fetchOne(statement, arguments: [source.code, agent, ref]) { try delete(id: id) }
        }
    }

    /// How far an agent's `turns.jsonl` was read.
    func turnLog(_ agent: String) throws -> TurnLogPosition? {
        let statement = try db.cachedStatement(sql: "SELECT inode, offset FROM turn_logs WHERE agent = ?")
        return try Row.fetchOne(statement, arguments: [agent]).map {
            TurnLogPosition(inode: UInt64(bitPattern: $0["inode"] as Int64), offset: $0["offset"])
        }
    }

    func setTurnLog(_ agent: String, _ position: TurnLogPosition) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO turn_logs (agent, inode, offset) VALUES (?, ?, ?)")
            .execute(arguments: [agent, Int64(bitPattern: position.inode), position.offset])
    }

    /// Reads what an agent's `turns.jsonl` gained and indexes it (all of it again when the file
    /// was replaced or shrank: refs are byte offsets, so lines already there are kept once).
    @discardableResult
    func indexTurns(of agent: String, paths: OrgPaths) throws -> Int {
        let known = try turnLog(agent)
        guard let read = try TurnLogReader.read(paths.turns(agent), agent: agent, after: known) else { return 0 }
        if read.restarted {
            try delete(where: "source = 2 AND agent = ?", [agent])
        }
        var added = 0
        for document in read.documents where try add(document) { added += 1 }
        try setTurnLog(agent, read.position)
        return added
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "[]" : JSONValue.strings(names).compactText }
}

extension DocumentStore {
    /// Indexes an agent's turn lines as commits handed them over, in order, where they follow
    /// what was read of its `turns.jsonl`; from where they do not (lines missing before them, or
    /// the file never read), reads the file instead, which holds them by then.
    func indexTurns(_ batch: [CommittedChanges.TurnLines], of agent: String, paths: OrgPaths) throws {
        guard var known = try turnLog(agent) else {
            try indexTurns(of: agent, paths: paths)
            return
        }
        let start = known.offset
        for lines in batch {
            guard known.offset >= lines.offset else {
                if known.offset != start { try setTurnLog(agent, known) }
                try indexTurns(of: agent, paths: paths)
                return
            }
            // Read from the file already (adding again would change nothing).
            guard known.offset < lines.offset + lines.bytes.count else { continue }
            if let summary = lines.summary, lines.bytes.last == 0x0A {
                // One complete line, its values handed over: nothing to parse.
                try add(SearchDocument(turn: summary, agent: agent, offset: lines.offset))
                known.offset = lines.offset + lines.bytes.count
                continue
            }
            let (documents, consumed) = TurnLogReader.documents(
                in: lines.bytes[...], agent: agent, offset: lines.offset)
            for document in documents { try add(document) }
            known.offset = lines.offset + consumed
        }
        if known.offset != start { try setTurnLog(agent, known) }
    }
}
