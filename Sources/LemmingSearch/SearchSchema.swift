import GRDB

/// The tables of `state/search.sqlite`. Derived data (DESIGN §2.5): a file of another schema
/// version is not migrated but rebuilt from the org's files.
enum SearchSchema {
    /// `PRAGMA user_version` of the current layout. Bump it whenever a table or what is indexed
    /// changes: older files are then rebuilt on open.
    static let version = 1

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
                CREATE INDEX documents_by_priority ON documents (source, priority, tick);
                CREATE INDEX documents_by_thread ON documents (thread) WHERE thread IS NOT NULL;
                CREATE INDEX documents_by_reply ON documents (reply_to) WHERE reply_to IS NOT NULL;
                -- The recipients and tags of entries, with the tick so a filter reads them in order.
                CREATE TABLE recipients (
                    agent TEXT NOT NULL,
                    tick INTEGER NOT NULL,
                    document INTEGER NOT NULL,
                    PRIMARY KEY (agent, tick, document)
                ) WITHOUT ROWID;
                CREATE INDEX recipients_by_document ON recipients (document);
                CREATE TABLE tags (
                    tag TEXT NOT NULL,
                    tick INTEGER NOT NULL,
                    document INTEGER NOT NULL,
                    PRIMARY KEY (tag, tick, document)
                ) WITHOUT ROWID;
                CREATE INDEX tags_by_document ON tags (document);
                CREATE VIRTUAL TABLE documents_fts USING fts5 (
                    body, content = 'documents', content_rowid = 'id',
                    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
                );
                CREATE TRIGGER documents_inserted AFTER INSERT ON documents BEGIN
                    INSERT INTO documents_fts (rowid, body) VALUES (new.id, new.body);
                END;
                CREATE TRIGGER documents_deleted AFTER DELETE ON documents BEGIN
                    INSERT INTO documents_fts (documents_fts, rowid, body) VALUES ('delete', old.id, old.body);
                    DELETE FROM recipients WHERE document = old.id;
                    DELETE FROM tags WHERE document = old.id;
                    DELETE FROM vectors WHERE document = old.id;
                END;
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
