import GRDB
import LemmingCore
import LemmingJSON

extension LemmingError.Code {
    /// A search query that is not valid FTS5 syntax, or a cursor that is not one of its pages.
    public static let badQuery = LemmingError.Code("bad_query")
}

extension SearchIndex {
    /// Words of context around the matches of a snippet.
    static let snippetTokens = 24
    /// Characters of a document's text shown when a listing has no query text.
    static let previewCharacters = 200

    /// Runs a search over what the index holds (committed events only).
    ///
    /// - Returns: a page of hits, best (or newest) first, with the total on a first page.
    /// - Throws: ``LemmingError`` `.badQuery` (field `q` or `cursor`) for query text that is not
    ///   FTS5 syntax or an unknown cursor; `.invalidArgument` for a limit outside 1…1,000; `.io`
    ///   when the index cannot be read.
    public func search(_ query: SearchQuery) throws -> SearchPage {
        guard (1...1_000).contains(query.limit) else {
            throw LemmingError(.invalidArgument, "must be between 1 and 1000", field: "limit")
        }
        var query = query
        if let text = query.text, text.trimmingWhitespace().isEmpty { query.text = nil }
        if query.text == nil { query.order = .time }
        let cursor = try query.cursor.map { try Cursor(text: $0, order: query.order) }
        let filters = Filters(query)
        guard !query.sources.isEmpty else { return SearchPage(hits: [], total: 0, nextCursor: nil) }
        return try withDatabase { pool in
            try pool.read { db in
                let keys: [Key]
                do {
                    keys = try Self.pageKeys(db, query: query, filters: filters, cursor: cursor)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && query.text != nil {
                    // SQLite's messages for a bad MATCH expression: "fts5: syntax error near …",
                    // "no such column: …", "unterminated string".
                    throw LemmingError(
                        .badQuery,
                        "not a valid search query (\(error.message ?? "syntax error")); "
                            + "words with punctuation go in double quotes, as in \"login-page\"",
                        field: "q")
                }
                let more = keys.count > query.limit
                let page = Array(keys.prefix(query.limit))
                let hits = try Self.hits(db, keys: page, text: query.text)
                let total = query.counts && cursor == nil ? try Self.count(db, query: query, filters: filters) : nil
                return SearchPage(hits: hits, total: total, nextCursor: more ? page.last?.cursor.text : nil)
            }
        }
    }

    /// The filters as SQL on `documents d`.
    struct Filters {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []

        init(_ query: SearchQuery) {
            let sources = query.sources.sorted().map(\.code)
            if sources.count < SearchSource.allCases.count {
                add("d.source IN (\(marks(sources.count)))", sources)
            }
            if let agents = query.agents { add("d.agent IN (\(marks(agents.count)))", agents.sorted()) }
            if let kinds = query.kinds { add("d.kind IN (\(marks(kinds.count)))", kinds.sorted()) }
            if let recipient = query.recipient {
                add(
                    "EXISTS (SELECT 1 FROM recipients r WHERE r.agent = ? AND r.tick = d.tick AND r.document = d.id)",
                    [recipient])
            }
            if let thread = query.thread { add("d.thread = ?", [thread]) }
            if let replyTo = query.replyTo { add("d.reply_to = ?", [replyTo]) }
            if let tags = query.tags {
                add(
                    "EXISTS (SELECT 1 FROM tags t WHERE t.tag IN (\(marks(tags.count))) AND t.tick = d.tick "
                        + "AND t.document = d.id)", tags.sorted())
            }
            if let priorities = query.priorities {
                add("d.priority IN (\(marks(priorities.count)))", priorities.map(\.rawValue).sorted())
            }
            if let from = query.fromTick { add("d.tick >= ?", [from]) }
            if let to = query.toTick { add("d.tick <= ?", [to]) }
            if !query.includesArchived { add("d.archived = 0", [Int]()) }
        }

        private mutating func add(_ clause: String, _ values: [some DatabaseValueConvertible]) {
            clauses.append(clause)
            arguments.append(contentsOf: values.map { $0 as any DatabaseValueConvertible })
        }

        private func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

        var sql: String { clauses.isEmpty ? "" : " AND " + clauses.joined(separator: " AND ") }
    }

    /// Where a page starts: after the last result of the previous one.
    struct Cursor: Equatable {
        var rank: Double?
        var tick: Int
        var id: Int64

        /// `t<tick>.<id>` (time order) or `r<bm25 bits in hex>.<tick>.<id>` (relevance).
        var text: String {
            if let rank { return "r\(String(rank.bitPattern, radix: 16)).\(tick).\(id)" }
            return "t\(tick).\(id)"
        }

        init(rank: Double?, tick: Int, id: Int64) {
            self.rank = rank
            self.tick = tick
            self.id = id
        }

        init(text: String, order: SearchQuery.Order) throws {
            let parts = text.dropFirst().split(separator: ".")
            let bad = LemmingError(.badQuery, "is not a cursor of this search (a page's next_cursor)", field: "cursor")
            switch (text.first, order) {
            case ("t", .time):
                guard parts.count == 2, let tick = Int(parts[0]), let id = Int64(parts[1]) else { throw bad }
                self.init(rank: nil, tick: tick, id: id)
            case ("r", .relevance):
                guard parts.count == 3, let bits = UInt64(parts[0], radix: 16), let tick = Int(parts[1]),
                    let id = Int64(parts[2])
                else { throw bad }
                self.init(rank: Double(bitPattern: bits), tick: tick, id: id)
            default:
                throw bad
            }
        }
    }

    struct Key {
        var id: Int64
        var cursor: Cursor
        /// bm25, when the search had text (lower is better).
        var rank: Double?
    }

    /// The ids of one page (and one more, to know whether another page follows), in order.
    static func pageKeys(_ db: Database, query: SearchQuery, filters: Filters, cursor: Cursor?) throws -> [Key] {
        var arguments: [any DatabaseValueConvertible] = []
        var sql: String
        let newer = "(d.tick < ? OR (d.tick = ? AND d.id < ?))"
        if let text = query.text {
            arguments.append(text)
            arguments += filters.arguments
            let inner = """
                SELECT d.id AS id, d.tick AS tick, bm25(documents_fts) AS rank
                FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid
                WHERE documents_fts MATCH ?\(filters.sql)
                """
            if query.order == .relevance {
                sql = "SELECT id, tick, rank FROM (\(inner))"
                if let cursor, let rank = cursor.rank {
                    sql += " WHERE rank > ? OR (rank = ? AND (tick < ? OR (tick = ? AND id < ?)))"
                    arguments += [rank, rank, cursor.tick, cursor.tick, cursor.id]
                }
                sql += " ORDER BY rank, tick DESC, id DESC LIMIT ?"
            } else {
                sql = inner
                if let cursor {
                    sql += " AND " + newer
                    arguments += [cursor.tick, cursor.tick, cursor.id]
                }
                sql += " ORDER BY d.tick DESC, d.id DESC LIMIT ?"
            }
        } else {
            arguments += filters.arguments
            sql = "SELECT d.id AS id, d.tick AS tick, NULL AS rank FROM documents d WHERE 1\(filters.sql)"
            if let cursor {
                sql += " AND " + newer
                arguments += [cursor.tick, cursor.tick, cursor.id]
            }
            sql += " ORDER BY d.tick DESC, d.id DESC LIMIT ?"
        }
        arguments.append(query.limit + 1)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue }))
            .map { row in
                let id: Int64 = row["id"]
                let rank: Double? = row["rank"]
                let cursor = Cursor(rank: query.order == .relevance ? rank : nil, tick: row["tick"], id: id)
                return Key(id: id, cursor: cursor, rank: rank)
            }
    }

    /// The documents of a page with their snippets, in the page's order.
    static func hits(_ db: Database, keys: [Key], text: String?) throws -> [SearchHit] {
        guard !keys.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        let columns =
            "d.id, d.source, d.agent, d.ref, d.kind, d.tick, d.thread, d.reply_to, d.priority, d.recipients, d.tags, "
            + "d.archived, d.time"
        var arguments: [DatabaseValue] = []
        let sql: String
        if let text {
            arguments.append(text.databaseValue)
            sql = """
                SELECT \(columns), snippet(documents_fts, 0, char(2), char(3), '…', \(snippetTokens)) AS snippet
                FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid
                WHERE documents_fts MATCH ? AND documents_fts.rowid IN (\(marks))
                """
        } else {
            sql =
                "SELECT \(columns), substr(d.body, 1, \(previewCharacters)) AS snippet FROM documents d WHERE d.id IN (\(marks))"
        }
        arguments += keys.map(\.id.databaseValue)
        var byID: [Int64: SearchHit] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
            guard let source = SearchSource(code: row["source"]) else { continue }
            let recipients: String? = row["recipients"]
            let tags: String? = row["tags"]
            byID[row["id"]] = SearchHit(
                source: source, agent: row["agent"], ref: row["ref"], kind: row["kind"], tick: row["tick"],
                thread: row["thread"], replyTo: row["reply_to"], priority: row["priority"],
                recipients: recipients.flatMap(Self.names), tags: tags.flatMap(Self.names) ?? [],
                archived: row["archived"], time: row["time"], snippet: Self.parts(row["snippet"] ?? ""), score: nil)
        }
        return keys.compactMap { key in
            guard var hit = byID[key.id] else { return nil }
            // bm25 is lower for better matches; a score is higher for better ones.
            hit.score = key.rank.map { -$0 }
            return hit
        }
    }

    static func names(_ text: String) -> [String]? {
        (try? JSONValue.parse(Array(text.utf8)))?.arrayValue?.compactMap(\.stringValue)
    }

    /// Splits a snippet at its markers: context and matches alternating, context first.
    static func parts(_ snippet: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var inMatch = false
        for scalar in snippet.unicodeScalars {
            if scalar.value == UInt32(matchStart), !inMatch {
                parts.append(current)
                current = ""
                inMatch = true
            } else if scalar.value == UInt32(matchEnd), inMatch {
                parts.append(current)
                current = ""
                inMatch = false
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        parts.append(current)
        if inMatch { parts.append("") }
        return parts
    }

    static func count(_ db: Database, query: SearchQuery, filters: Filters) throws -> Int {
        var arguments: [any DatabaseValueConvertible] = []
        let sql: String
        if let text = query.text {
            arguments.append(text)
            sql = """
                SELECT count(*) FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid
                WHERE documents_fts MATCH ?\(filters.sql)
                """
        } else {
            sql = "SELECT count(*) FROM documents d WHERE 1\(filters.sql)"
        }
        arguments += filters.arguments
        return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue })) ?? 0
    }
}

extension SearchIndex {
    /// The time-order cursor that starts a page just after (older than) entry `id`, as
    /// ``SearchQuery/cursor`` takes it; `nil` when the index does not hold the entry.
    ///
    /// - Throws: ``LemmingError`` `.io` when the index cannot be read.
    public func cursor(after id: EntryID) throws -> String? {
        try withDatabase { pool in
            try pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT id, tick FROM documents WHERE source = 0 AND agent = ? AND ref = ?",
                    arguments: [id.agent, id.text]
                ).map { Cursor(rank: nil, tick: $0["tick"], id: $0["id"]).text }
            }
        }
    }

    /// Reads an entry from its outbox or, once moved there, from the archive.
    ///
    /// - Returns: the entry and whether it is archived; `nil` when it is in neither or unreadable.
    public static func entry(_ id: EntryID, paths: OrgPaths) -> (entry: OutboxEntry, archived: Bool)? {
        EntryReader.find(id, paths: paths)
    }
}
