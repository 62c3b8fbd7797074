import GRDB
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingSearch

@Suite struct DocumentStoreTests {
    struct NotATurn: Error {}

    /// Documents with every facet field set, unset, empty, repeated and outside ASCII.
    static func documents() throws -> [SearchDocument] {
        typealias Change = (inout SearchDocument) -> Void
        func document(_ source: SearchSource, _ ref: String, _ change: Change) throws -> SearchDocument {
            guard
                var document = SearchDocument(turn: ["tick": 7, "stop_reason": "completed"], agent: "coder", offset: 0)
            else { throw NotATurn() }
            document.source = source
            document.ref = ref
            change(&document)
            return document
        }
        return [
            try document(.entries, "00000007-coder-01") {
                $0.kind = "résumé ✓"
                $0.thread = "00000007-coder-01"
                $0.replyTo = "00000006-manager-02"
                $0.priority = "urgent"
                $0.recipients = ["manager", "human", "manager"]
                $0.tags = ["spec", "日本語", ""]
            },
            try document(.entries, "00000007-coder-02") {
                $0.kind = ""
                $0.recipients = []
            },
            try document(.memory, "plan") { $0.kind = "set" },
            try document(.turns, "7:0") { $0.kind = nil },
        ]
    }

    /// FTS5 removes a document with the facets the schema's view computes, so what an insert
    /// gives it must be the same text: otherwise deleting leaves terms behind (a filter would
    /// then match a document that is gone).
    @Test func insertedFacetsAreTheOnesTheSchemaDeletes() throws {
        let queue = try DatabaseQueue()
        let documents = try Self.documents()
        try queue.write { db in
            try SearchSchema.create(db)
            let store = DocumentStore(db: db)
            for document in documents { #expect(try store.add(document)) }
            let viewed = try String.fetchAll(db, sql: "SELECT facets FROM documents_text ORDER BY key")
            #expect(viewed == documents.map(\.facets))
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, documents_fts, row)")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.terms") ?? 0 > 0)
            // One at a time (a memory record replaced), and the rest at once (an agent gone).
            try store.delete(id: try #require(try Int64.fetchOne(db, sql: "SELECT min(id) FROM documents")))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") == documents.count - 1)
            try store.delete(where: "agent = ?", ["coder"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") == 0)
            #expect(try String.fetchAll(db, sql: "SELECT term FROM temp.terms") == [])
        }
    }

    @Test func addingTwiceKeepsOneDocument() throws {
        let queue = try DatabaseQueue()
        let document = try #require(try Self.documents().first)
        try queue.write { db in
            try SearchSchema.create(db)
            let store = DocumentStore(db: db)
            #expect(try store.add(document))
            #expect(try !store.add(document))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") == 1)
            #expect(
                try Int.fetchOne(db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'completed'")
                    == 1)
        }
    }
}
