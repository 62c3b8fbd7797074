import GRDB

/// The tables of `state/search.sqlite`. Derived data (DESIGN §2.5): a file of another schema
/// version is not migrated but rebuilt from the org's files.
///
/// The full-text index is laid out for speed at a million documents and more (BENCHMARKS.md,
/// "Search"): its rowid is a document's time key, `tick << 32 | id`, so FTS5 reads matches newest
/// first and stops after a page, and a tick range is a rowid range; and each document's filter
/// values are tokens of a second column, `facets`, so that a filter is one more term FTS5
/// intersects in its own index rather than a row of `documents` read per match.
///
/// A document enters and leaves the full-text index by statements of ``DocumentStore`` of their
/// own, not by triggers: a trigger makes SQLite keep a statement journal of every page each
/// insert or delete touches, which measured four times the cost of the two statements (29 µs
/// against 7 µs a document, BENCHMARKS.md "Search"); a memory key rewritten every turn is a
/// delete and an insert each time.
enum SearchSchema {
    /// `PRAGMA user_version` of the current layout. Bump it whenever a table or what is indexed
    /// changes: older files are then rebuilt on open.
    static let version = 5

    /// A document's time key in the full-text index: newest first is descending key order (by
    /// tick, then by row id, the order documents were indexed in). Row ids stay below 2^32.
    static func key(_ row: String? = nil) -> String {
        let prefix = row.map { $0 + "." } ?? ""
        return "((\(prefix)tick << 32) | \(prefix)id)"
    }

    /// The facet tokens of the document in `row` (`new`, `old` or a table alias): `__` then a
    /// letter for the field then the value's UTF-8 bytes in lower-case hex (so that any value is
    /// one token, matched exactly, case and accents included) — source `__s<code>`, author `__a`,
    /// kind `__k`, priority `__p`, thread `__h`, reply_to `__y`, each recipient `__r`, each tag
    /// `__t`. ``SearchDocument/facets`` builds the same text for inserts and
    /// ``SearchIndex/Plan/facet(_:_:)`` the same tokens for filters; deletes give FTS5 this one,
    /// so the three must agree byte for byte (a test checks that deleting leaves no term).
    static func facets(_ row: String) -> String {
        func optional(_ letter: String, _ column: String) -> String {
            "CASE WHEN \(row).\(column) IS NULL THEN '' ELSE ' __\(letter)' || lower(hex(\(row).\(column))) END"
        }
        func list(_ letter: String, _ column: String) -> String {
            "coalesce((SELECT group_concat(' __\(letter)' || lower(hex(value)), '') FROM json_each(\(row).\(column))), '')"
        }
        return [
            "'__s' || \(row).source", "' __a' || lower(hex(\(row).agent))", optional("k", "kind"),
            optional("p", "priority"), optional("h", "thread"), optional("y", "reply_to"), list("r", "recipients"),
            list("t", "tags"),
        ].joined(separator: " || ")
    }

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE position (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    -- The sequence number of the last engine event applied (state/tick.json next_event_seq - 1).
                    seq INTEGER NOT NULL,
                    -- The tick of that event.
                    tick INTEGER NOT NULL,
                    -- Where reading logs/engine.jsonl goes on: its inode and the byte after the last line read.
                    log_inode INTEGER,
                    log_offset INTEGER NOT NULL DEFAULT 0,
                    built_at TEXT
                );
                -- One row per entry, memory record or turn record. "Newest first" is by tick, then
                -- by row id (the order they were indexed in, which follows the org's commits).
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY,
                    source INTEGER NOT NULL,
                    agent TEXT NOT NULL,
                    ref TEXT NOT NULL,
                    kind TEXT,
                    tick INTEGER NOT NULL,
                    thread TEXT,
                    reply_to TEXT,
                    priority TEXT,
                    recipients TEXT,
                    tags TEXT,
                    archived INTEGER NOT NULL DEFAULT 0,
                    time TEXT,
                    body TEXT NOT NULL,
                    UNIQUE (source, agent, ref)
                );
                CREATE INDEX documents_by_kind ON documents (source, kind, tick);
                CREATE INDEX documents_by_agent ON documents (source, agent, tick);
                CREATE INDEX documents_by_tick ON documents (source, tick);
                CREATE INDEX documents_by_priority ON documents (source, priority, tick) WHERE priority IS NOT NULL;
                CREATE INDEX documents_by_thread ON documents (thread) WHERE thread IS NOT NULL;
                CREATE INDEX documents_by_reply ON documents (reply_to) WHERE reply_to IS NOT NULL;
                -- What the full-text index holds, by time key: FTS5 reads a row's text from here
                -- (snippets), through the index on the key. Only tick and id make a key: they are
                -- never updated, and neither are the columns of the facets.
                CREATE INDEX documents_by_key ON documents \(key());
                CREATE VIEW documents_text (key, body, facets) AS
                    SELECT \(key("d")), d.body, \(facets("d")) FROM documents d;
                CREATE VIRTUAL TABLE documents_fts USING fts5 (
                    body, facets, content = 'documents_text', content_rowid = 'key',
                    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
                );
                -- How far each agent's logs/turns.jsonl was read.
                CREATE TABLE turn_logs (
                    agent TEXT PRIMARY KEY,
                    inode INTEGER NOT NULL,
                    offset INTEGER NOT NULL
                );
                -- Embeddings of memory records (semantic memory), for the body they were made of.
                CREATE TABLE vectors (
                    document INTEGER PRIMARY KEY,
                    model TEXT NOT NULL,
                    body_hash INTEGER NOT NULL,
                    vector BLOB NOT NULL
                );
                INSERT INTO position (id, seq, tick) VALUES (1, 0, 0);
                """)
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }
}
