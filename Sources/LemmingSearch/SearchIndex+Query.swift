import Dispatch
import GRDB
import LemmingCore
import LemmingJSON
import Synchronization

extension LemmingError.Code {
    /// A search query that is not valid FTS5 syntax, or a cursor that is not one of its pages.
    public static let badQuery = LemmingError.Code("bad_query")
}

extension SearchIndex {
    /// Words of context around the matches of a snippet.
    static let snippetTokens = 24
    /// Characters of a document's text shown when a listing has no query text.
    static let previewCharacters = 200

    /// Relevance ranks at most this many matches, the newest: bm25 scores every match it ranks,
    /// which for a word in most of a million documents takes a second. At 2,000, a frequent word
    /// with a rare filter stays under 50 ms at 1,000,000 entries (BENCHMARKS.md, "Search").
    static let rankedMatches = 2_000

    /// Runs a search over what the index holds (committed events only).
    ///
    /// With text, in relevance order, the newest ``rankedMatches`` matches are ranked (all of
    /// them when there are fewer); ``SearchPage/total`` still counts every match.
    ///
    /// - Returns: a page of hits, best (or newest) first, with the total on a first page.
    /// - Throws: ``LemmingError`` `.badQuery` (field `q` or `cursor`) for query text that is not
    ///   FTS5 syntax or an unknown cursor; `.invalidArgument` for a limit outside 1…1,000; `.io`
    ///   when the index cannot be read.
    public func search(_ query: SearchQuery) throws -> SearchPage {
        try search(query, rankedMatches: Self.rankedMatches)
    }

    /// ``search(_:)`` ranking at most `rankedMatches` matches (tests use a small number).
    func search(_ query: SearchQuery, rankedMatches: Int) throws -> SearchPage {
        guard (1...1_000).contains(query.limit) else {
            throw LemmingError(.invalidArgument, "must be between 1 and 1000", field: "limit")
        }
        var query = query
        if let text = query.text, text.trimmingWhitespace().isEmpty { query.text = nil }
        if query.text == nil { query.order = .time }
        let cursor = try query.cursor.map { try Cursor(text: $0, order: query.order) }
        let plan = try Plan(query)
        guard !plan.matchesNothing else { return SearchPage(hits: [], total: 0, nextCursor: nil) }
        // The total, when wanted, is counted on a second connection while the page is made: a
        // count is a pass over every match, as long as the page for a frequent word.
        let counts = query.counts && cursor == nil
        let search = query
        return try withDatabase { pool in
            let results = Mutex<(page: Result<(SearchPage, Int?), any Error>?, count: Result<Int, any Error>?)>(
                (nil, nil))
            DispatchQueue.concurrentPerform(iterations: counts ? 2 : 1) { task in
                if task == 0 {
                    let page = Result {
                        try pool.read { db in
                            try Self.page(db, plan: plan, query: search, cursor: cursor, rankedMatches: rankedMatches)
                        }
                    }
                    results.withLock { $0.page = page }
                } else {
                    let count = Result { try pool.read { db in try Self.count(db, plan: plan) } }
                    results.withLock { $0.count = count }
                }
            }
            let (page, count) = results.withLock { ($0.page, $0.count) }
            guard case (var page, let matches)? = try page?.get() else {
                return SearchPage(hits: [], total: 0, nextCursor: nil)
            }
            if counts { page.total = try matches ?? count?.get() }
            return page
        }
    }

    /// A page without its total, and the number of matches when making the page counted them.
    static func page(
        _ db: Database, plan: Plan, query: SearchQuery, cursor: Cursor?, rankedMatches: Int
    ) throws -> (SearchPage, Int?) {
        let keys: [Key]
        let matches: Int?
        do {
            (keys, matches) = try pageKeys(db, plan: plan, query: query, cursor: cursor, rankedMatches: rankedMatches)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && query.text != nil {
            // SQLite's messages for a bad MATCH expression: "fts5: syntax error near …",
            // "no such column: …", "unterminated string".
            throw badQuery(error.message)
        }
        let more = keys.count > query.limit
        let page = Array(keys.prefix(query.limit))
        let hits = try hits(db, keys: page, plan: plan, order: query.order)
        return (SearchPage(hits: hits, total: nil, nextCursor: more ? page.last?.cursor.text : nil), matches)
    }

    static func badQuery(_ message: String?) -> LemmingError {
        LemmingError(
            .badQuery,
            "not a valid search query (\(message ?? "syntax error")); "
                + "words with punctuation go in double quotes, as in \"login-page\"",
            field: "q")
    }

    /// How a search reads the index. With text, or with a recipient or tags to filter on, FTS5
    /// matches one expression — the text, and the filters as facet terms (see ``SearchSchema``) —
    /// within a key range (the ticks), so that counting is a pass over the full-text index alone
    /// and a page in time order reads the newest matches only. A listing by the other fields
    /// reads the indexes of `documents` (counting a kind's entries there is three times faster).
    struct Plan {
        /// The expression FTS5 matches; `nil` when the plan reads `documents` alone.
        var match: String?
        /// The query text as FTS5 matches it for snippets and scores (without the filters).
        var text: String?
        /// Keys from (inclusive) and below (exclusive): the tick range, on the full-text index.
        var fromKey: Int64?
        var belowKey: Int64?
        /// Archived entries left out (a filter on `documents`: archiving changes it).
        var liveOnly: Bool
        /// A filter no document passes (an empty list, an impossible tick range).
        var matchesNothing = false
        /// A listing on `documents`: its columns and the values they may have, and the ticks.
        var columns: [(name: String, values: [DatabaseValue])] = []
        var fromTick: Int?
        var toTick: Int?

        init(_ query: SearchQuery) throws {
            liveOnly = !query.includesArchived
            var groups: [[String]] = []
            let sources = query.sources.sorted().map(\.code)
            if sources.count < SearchSource.allCases.count {
                columns.append(("source", sources.map(\.databaseValue)))
                groups.append(sources.map { "__s\($0)" })
            }
            let facets: [(String, String?, [String]?)] = [
                ("a", "agent", query.agents?.sorted()), ("k", "kind", query.kinds?.sorted()),
                ("r", nil, query.recipient.map { [$0] }), ("h", "thread", query.thread.map { [$0] }),
                ("y", "reply_to", query.replyTo.map { [$0] }), ("t", nil, query.tags?.sorted()),
                ("p", "priority", query.priorities?.map(\.rawValue).sorted()),
            ]
            for case (let letter, let column, let values?) in facets {
                groups.append(values.map { Self.facet(letter, $0) })
                if let column { columns.append((column, values.map(\.databaseValue))) }
            }
            fromTick = query.fromTick
            toTick = query.toTick
            let highest = Int(Int32.max)
            if groups.contains(where: \.isEmpty) || (query.toTick ?? 0) < 0 || (query.fromTick ?? 0) > highest {
                matchesNothing = true
                return
            }
            fromKey = query.fromTick.map { Int64(max($0, 0)) << 32 }
            belowKey = query.toTick.flatMap { $0 < highest ? Int64($0 + 1) << 32 : nil }
            guard query.text != nil || query.recipient != nil || query.tags != nil else { return }
            var parts: [String] = []
            if let text = query.text {
                // A prefix could match facet terms: the text is kept to the body. Wrapped in
                // parentheses, it must stand alone (an unbalanced ")" would escape them).
                let wrapped = text.contains("*") ? "{body} : (\(text))" : "(\(text))"
                guard groups.isEmpty && !text.contains("*") || Self.isBalanced(text) else {
                    throw SearchIndex.badQuery("unbalanced parentheses or quotes")
                }
                self.text = text.contains("*") ? wrapped : text
                parts.append(groups.isEmpty ? self.text ?? text : wrapped)
            }
            if !groups.isEmpty {
                parts.append(
                    "{facets} : (" + groups.map { "(" + $0.joined(separator: " OR ") + ")" }.joined(separator: " AND ")
                        + ")")
            }
            match = parts.joined(separator: " AND ")
        }

        /// The term of a filter value: `__`, the field's letter, the value's UTF-8 in hex.
        static func facet(_ letter: String, _ value: String) -> String {
            var bytes: [UInt8] = []
            appendFacet(letter, value, to: &bytes, separated: false)
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Appends ``facet(_:_:)``'s term to `bytes`, after a space unless `separated` is `false`.
        static func appendFacet(_ letter: String, _ value: String, to bytes: inout [UInt8], separated: Bool = true) {
            if separated { bytes.append(0x20) }
            bytes += "__".utf8
            bytes += letter.utf8
            for byte in value.utf8 {
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }

        private static let hexDigits = Array("0123456789abcdef".utf8)

        /// Whether the parentheses of `text` pair up outside double-quoted strings, which close.
        static func isBalanced(_ text: String) -> Bool {
            var depth = 0
            var quoted = false
            for character in text.utf8 {
                switch (character, quoted) {
                case (0x22, _): quoted.toggle()  // "" inside a string closes and reopens it
                case (0x28, false): depth += 1
                case (0x29, false):
                    depth -= 1
                    if depth < 0 { return false }
                default: break
                }
            }
            return depth == 0 && !quoted
        }

        /// `FROM …` of the full-text index, with `documents d` when archiving filters.
        var ftsFrom: String {
            "FROM documents_fts"
                + (liveOnly ? " JOIN documents d ON d.id = (documents_fts.rowid & \(UInt32.max))" : "")
        }

        /// `WHERE …` on the full-text index, and its arguments.
        func ftsWhere(_ match: String) -> (String, [DatabaseValue]) {
            var sql = "WHERE documents_fts MATCH ?"
            var arguments = [match.databaseValue]
            if let fromKey {
                sql += " AND documents_fts.rowid >= ?"
                arguments.append(fromKey.databaseValue)
            }
            if let belowKey {
                sql += " AND documents_fts.rowid < ?"
                arguments.append(belowKey.databaseValue)
            }
            if liveOnly { sql += " AND d.archived = 0" }
            return (sql, arguments)
        }

        /// `WHERE …` on `documents d` for a listing, and its arguments.
        var documentsWhere: (String, [DatabaseValue]) {
            var sql = "WHERE 1"
            var arguments: [DatabaseValue] = []
            for (name, values) in columns {
                sql += " AND d.\(name) IN (\(values.map { _ in "?" }.joined(separator: ", ")))"
                arguments += values
            }
            if let fromTick {
                sql += " AND d.tick >= ?"
                arguments.append(fromTick.databaseValue)
            }
            if let toTick {
                sql += " AND d.tick <= ?"
                arguments.append(toTick.databaseValue)
            }
            if liveOnly { sql += " AND d.archived = 0" }
            return (sql, arguments)
        }
    }

    /// Where a page starts: after the last result of the previous one.
    struct Cursor: Equatable {
        var rank: Double?
        var tick: Int
        var id: Int64
        /// The oldest key relevance ranks (the ``SearchIndex/rankedMatches``-th newest match when
        /// the first page was made), so that every page ranks the same matches.
        var floor: Int64?

        /// `t<tick>.<id>` (time order) or `r<bm25 bits in hex>.<tick>.<id>[.<floor>]` (relevance).
        var text: String {
            if let rank {
                return "r\(String(rank.bitPattern, radix: 16)).\(tick).\(id)" + (floor.map { ".\($0)" } ?? "")
            }
            return "t\(tick).\(id)"
        }

        /// The key of the document the cursor is at (see ``SearchSchema/key(_:)``).
        var key: Int64 { Int64(min(max(tick, 0), Int(Int32.max))) << 32 | (id & Int64(UInt32.max)) }

        init(rank: Double?, tick: Int, id: Int64, floor: Int64? = nil) {
            self.rank = rank
            self.tick = tick
            self.id = id
            self.floor = floor
        }

        init(key: Int64, rank: Double?, floor: Int64?) {
            self.init(rank: rank, tick: Int(key >> 32), id: key & Int64(UInt32.max), floor: floor)
        }

        init(text: String, order: SearchQuery.Order) throws {
            let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
            let bad = LemmingError(.badQuery, "is not a cursor of this search (a page's next_cursor)", field: "cursor")
            switch (text.first, order) {
            case ("t", .time):
                guard parts.count == 2, let tick = Int(parts[0]), let id = Int64(parts[1]) else { throw bad }
                self.init(rank: nil, tick: tick, id: id)
            case ("r", .relevance):
                guard parts.count == 3 || parts.count == 4, let bits = UInt64(parts[0], radix: 16),
                    let tick = Int(parts[1]), let id = Int64(parts[2])
                else { throw bad }
                let floor = parts.count == 4 ? Int64(parts[3]) : nil
                if parts.count == 4, floor == nil { throw bad }
                self.init(rank: Double(bitPattern: bits), tick: tick, id: id, floor: floor)
            default:
                throw bad
            }
        }
    }

    struct Key {
        var id: Int64
        var key: Int64
        var cursor: Cursor
        /// bm25, when the search had text (lower is better).
        var rank: Double?
    }

    /// The documents of one page (and one more, to know whether another page follows), in order,
    /// and the number of matches when finding the page counted them.
    static func pageKeys(
        _ db: Database, plan: Plan, query: SearchQuery, cursor: Cursor?, rankedMatches: Int
    ) throws -> (keys: [Key], matches: Int?) {
        guard let match = plan.match else {
            return (try listingKeys(db, plan: plan, limit: query.limit, cursor: cursor), nil)
        }
        var (filter, arguments) = plan.ftsWhere(match)
        guard query.order == .relevance else {
            var sql = "SELECT documents_fts.rowid AS key \(plan.ftsFrom) \(filter)"
            if let cursor {
                sql += " AND documents_fts.rowid < ?"
                arguments.append(cursor.key.databaseValue)
            }
            sql += " ORDER BY documents_fts.rowid DESC LIMIT ?"
            arguments.append((query.limit + 1).databaseValue)
            let keys = try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { key in
                let cursor = Cursor(key: key, rank: nil, floor: nil)
                return Key(id: cursor.id, key: key, cursor: cursor, rank: nil)
            }
            return (keys, nil)
        }
        // The newest matches are scored in one pass (bm25 at each), then sorted; the window
        // functions tell how many there were, and the oldest, which later pages start from.
        if let floor = cursor?.floor {
            filter += " AND documents_fts.rowid >= ?"
            arguments.append(floor.databaseValue)
        }
        var sql = """
            SELECT key, rank, min(key) OVER () AS oldest, count(*) OVER () AS matches FROM (
                SELECT documents_fts.rowid AS key, bm25(documents_fts, 1.0, 0.0) AS rank \(plan.ftsFrom) \(filter)
                ORDER BY documents_fts.rowid DESC LIMIT \(rankedMatches))
            """
        if let cursor, let rank = cursor.rank {
            sql += " WHERE rank > ? OR (rank = ? AND key < ?)"
            arguments += [rank.databaseValue, rank.databaseValue, cursor.key.databaseValue]
        }
        sql += " ORDER BY rank, key DESC LIMIT ?"
        arguments.append((query.limit + 1).databaseValue)
        let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        let matches: Int? = rows.first?["matches"]
        // Fewer matches than are ranked: all of them were, and that is the total.
        let isComplete = cursor == nil && (matches ?? 0) < rankedMatches
        let floor = cursor == nil ? (isComplete ? nil : rows.first?["oldest"] as Int64?) : cursor?.floor
        let keys = rows.map { row in
            let key: Int64 = row["key"]
            let rank: Double = row["rank"]
            let cursor = Cursor(key: key, rank: rank, floor: floor)
            return Key(id: cursor.id, key: key, cursor: cursor, rank: rank)
        }
        return (keys, isComplete ? matches ?? 0 : nil)
    }

    /// A page of a listing on `documents`, newest first.
    static func listingKeys(_ db: Database, plan: Plan, limit: Int, cursor: Cursor?) throws -> [Key] {
        var (filter, arguments) = plan.documentsWhere
        if let cursor {
            filter += " AND (d.tick < ? OR (d.tick = ? AND d.id < ?))"
            arguments += [cursor.tick.databaseValue, cursor.tick.databaseValue, cursor.id.databaseValue]
        }
        arguments.append((limit + 1).databaseValue)
        let sql = "SELECT d.id, d.tick FROM documents d \(filter) ORDER BY d.tick DESC, d.id DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            let cursor = Cursor(rank: nil, tick: row["tick"], id: row["id"])
            return Key(id: cursor.id, key: cursor.key, cursor: cursor, rank: nil)
        }
    }

    /// The documents of a page with their snippets, in the page's order. With text, FTS5 reads
    /// the page's key range: the whole expression in relevance order (the scores are known), the
    /// text alone in time order, scoring the page's documents (one bm25 pass over the text's
    /// matches, none over the filters'). Looking each document up by key instead would cost a
    /// bm25 pass, or a merge of a prefix's terms, per document.
    static func hits(_ db: Database, keys: [Key], plan: Plan, order: SearchQuery.Order) throws -> [SearchHit] {
        guard let first = keys.first else { return [] }
        let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        let columns =
            "d.id, d.source, d.agent, d.ref, d.kind, d.tick, d.thread, d.reply_to, d.priority, d.recipients, d.tags, "
            + "d.archived, d.time"
        var arguments: [DatabaseValue] = []
        let sql: String
        if let text = plan.text, let match = order == .time ? text : plan.match {
            let low = keys.map(\.key).min() ?? first.key
            let high = keys.map(\.key).max() ?? first.key
            arguments += [match.databaseValue, low.databaseValue, high.databaseValue]
            // The unary + keeps SQLite from looking each key up.
            sql = """
                SELECT \(columns), snippet(documents_fts, 0, char(2), char(3), '…', \(snippetTokens)) AS snippet,
                    \(order == .time ? "bm25(documents_fts, 1.0, 0.0)" : "NULL") AS rank
                FROM documents_fts JOIN documents d ON d.id = (documents_fts.rowid & \(UInt32.max))
                WHERE documents_fts MATCH ? AND documents_fts.rowid BETWEEN ? AND ?
                    AND +documents_fts.rowid IN (\(marks))
                """
            arguments += keys.map(\.key.databaseValue)
        } else {
            sql = """
                SELECT \(columns), substr(d.body, 1, \(previewCharacters)) AS snippet, NULL AS rank
                FROM documents d WHERE d.id IN (\(marks))
                """
            arguments += keys.map(\.id.databaseValue)
        }
        var byID: [Int64: SearchHit] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
            guard let source = SearchSource(code: row["source"]) else { continue }
            let recipients: String? = row["recipients"]
            let tags: String? = row["tags"]
            let rank: Double? = row["rank"]
            byID[row["id"]] = SearchHit(
                source: source, agent: row["agent"], ref: row["ref"], kind: row["kind"], tick: row["tick"],
                thread: row["thread"], replyTo: row["reply_to"], priority: row["priority"],
                recipients: recipients.flatMap(Self.names), tags: tags.flatMap(Self.names) ?? [],
                archived: row["archived"], time: row["time"], snippet: Self.parts(row["snippet"] ?? ""),
                score: rank.map { -$0 })
        }
        return keys.compactMap { key in
            guard var hit = byID[key.id] else { return nil }
            // bm25 is lower for better matches; a score is higher for better ones.
            if let rank = key.rank { hit.score = -rank }
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

    /// Every match: a pass over the full-text index (with text or facets), or over an index of
    /// `documents` (a listing by source and ticks).
    static func count(_ db: Database, plan: Plan) throws -> Int {
        let sql: String
        let arguments: [DatabaseValue]
        if let match = plan.match {
            let (filter, values) = plan.ftsWhere(match)
            (sql, arguments) = ("SELECT count(*) \(plan.ftsFrom) \(filter)", values)
        } else {
            let (filter, values) = plan.documentsWhere
            (sql, arguments) = ("SELECT count(*) FROM documents d \(filter)", values)
        }
        return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0
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
