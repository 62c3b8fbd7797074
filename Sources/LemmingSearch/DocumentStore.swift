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
        try db.cachedStatement(
            sql: """
                INSERT INTO documents
                    (source, agent, ref, kind, tick, thread, reply_to, priority, recipients, tags, archived, time, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, agent, ref) DO NOTHING
                """
        ).execute(arguments: [
            document.source.code, document.agent, document.ref, document.kind, document.tick, document.thread,
            document.replyTo, document.priority, document.recipients.map(Self.list), Self.list(document.tags),
            document.archived, document.time, document.body,
        ])
        guard db.changesCount == 1 else {
            if document.source == .entries {
                try setArchived(agent: document.agent, refs: [document.ref], archived: document.archived)
            }
            return false
        }
        let key = Int64(document.tick) << 32 | db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO documents_fts (rowid, body, facets) VALUES (?, ?, ?)")
            .execute(arguments: [key, document.body, document.facets])
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
            try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [existing["id"] as Int64])
        }
        try add(document)
    }

    func removeMemory(agent: String, key: String) throws {
        try db.execute(
            sql: "DELETE FROM documents WHERE source = 1 AND agent = ? AND ref = ?", arguments: [agent, key])
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
            sql: "DELETE FROM documents WHERE source = ? AND agent = ? AND ref = ?")
        for ref in refs { try statement.execute(arguments: [source.code, agent, ref]) }
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
            try db.execute(sql: "DELETE FROM documents WHERE source = 2 AND agent = ?", arguments: [agent])
        }
        var added = 0
        for document in read.documents where try add(document) { added += 1 }
        try setTurnLog(agent, read.position)
        return added
    }

    static func list(_ names: [String]) -> String { JSONValue.strings(names).compactText }
}

extension DocumentStore {
    /// Indexes turn lines a commit handed over, where they follow what was read of the agent's
    /// `turns.jsonl`; else (lines missing before them, or the file never read) reads the file,
    /// which holds them by then.
    func indexTurns(_ lines: CommittedChanges.TurnLines, paths: OrgPaths) throws {
        guard let known = try turnLog(lines.agent), known.offset >= lines.offset else {
            try indexTurns(of: lines.agent, paths: paths)
            return
        }
        let (documents, consumed) = TurnLogReader.documents(
            in: lines.bytes[...], agent: lines.agent, offset: lines.offset)
        let end = lines.offset + consumed
        // Read from the file already (adding again would change nothing).
        guard known.offset < end else { return }
        for document in documents { try add(document) }
        try setTurnLog(lines.agent, TurnLogPosition(inode: known.inode, offset: end))
    }
}
