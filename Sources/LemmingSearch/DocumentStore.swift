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
            db, sql: "SELECT id, tick, body FROM documents WHERE source = 1 AND agent = ? AND ref = ?",
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
        try Row.fetchOne(db, sql: "SELECT inode, offset FROM turn_logs WHERE agent = ?", arguments: [agent]).map {
            TurnLogPosition(inode: UInt64(bitPattern: $0["inode"] as Int64), offset: $0["offset"])
        }
    }

    func setTurnLog(_ agent: String, _ position: TurnLogPosition) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO turn_logs (agent, inode, offset) VALUES (?, ?, ?)",
            arguments: [agent, Int64(bitPattern: position.inode), position.offset])
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

/// Where reading an agent's turn log goes on.
struct TurnLogPosition: Sendable, Equatable {
    var inode: UInt64
    var offset: Int
}

/// Reads complete lines of a `turns.jsonl` in chunks (a long-lived agent's log is large).
enum TurnLogReader {
    static let chunkBytes = 4 * 1024 * 1024

    struct Read {
        var documents: [SearchDocument]
        var position: TurnLogPosition
        /// The file is not the one read before (replaced, or shorter): read from its start.
        var restarted: Bool
    }

    /// A turn line without its `"request"` member (the prompt: most of the line, and nothing the
    /// index keeps), so that parsing it costs what is indexed. The line is compact JSON as
    /// `TurnRecord` writes it, `"request"` followed by `"inbox"`; a quote inside a string is
    /// escaped, so neither key can be matched inside a value. Anything else is returned whole.
    static func withoutRequest(_ line: ArraySlice<UInt8>) -> [UInt8] {
        let request = Array(#","request":{"#.utf8)
        let inbox = Array(#","inbox":"#.utf8)
        guard let start = firstRange(of: request, in: line),
            let end = firstRange(of: inbox, in: line[start.upperBound...])
        else { return Array(line) }
        return Array(line[..<start.lowerBound]) + Array(line[end.lowerBound...])
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let found = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[found..<found + needle.count].elementsEqual(needle) { return found..<found + needle.count }
            index = found + 1
        }
        return nil
    }

    /// The turn records after `known`; `nil` when the file did not change (or does not exist).
    static func read(_ path: String, agent: String, after known: TurnLogPosition?) throws -> Read? {
        guard let info = FileSystem.info(path) else { return nil }
        var start = 0
        var restarted = known != nil
        if let known, known.inode == info.inode, known.offset <= info.size {
            guard known.offset < info.size else { return nil }
            start = known.offset
            restarted = false
        }
        var documents: [SearchDocument] = []
        var offset = start
        var pending: [UInt8] = []
        var pendingStart = start
        while offset < info.size {
            guard let chunk = try FileSystem.read(path, from: offset, maxCount: min(chunkBytes, info.size - offset)),
                !chunk.isEmpty
            else { break }
            offset += chunk.count
            pending += chunk
            var lineStart = 0
            while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
                let line = withoutRequest(pending[lineStart..<newline])
                if let value = try? JSONValue.parse(line),
                    let document = SearchDocument(turn: value, agent: agent, offset: pendingStart + lineStart)
                {
                    documents.append(document)
                }
                lineStart = newline + 1
            }
            pending.removeFirst(lineStart)
            pendingStart += lineStart
        }
        // A line still being written is read next time, from its start.
        return Read(
            documents: documents, position: TurnLogPosition(inode: info.inode, offset: pendingStart),
            restarted: restarted)
    }
}
