import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct SearchQueryTests {
    @Test func findsEntriesMemoryAndTurnRecordsOfARun() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let login = try index.hits("login")
        #expect(Set(login.map(\.source)) == [.entries, .memory])
        #expect(
            Set(login.map(\.ref)) == ["00000001-manager-01", "00000002-coder-01", "plan"])
        let notes = try index.hits("sprint")
        #expect(notes.map(\.source) == [.turns])
        #expect(notes.first?.agent == "manager")
        #expect(notes.first?.tick == 1)
        #expect(notes.first?.kind == "completed")
    }

    @Test func understandsPhrasesPrefixesAndBooleanOperators() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let entries: (inout SearchQuery) -> Void = { $0.sources = [.entries] }
        #expect(Set(try index.refs("\"login page spec\"", entries)) == ["00000001-manager-01", "00000002-coder-01"])
        #expect(try index.refs("\"spec login\"", entries) == [])
        #expect(Set(try index.refs("revie*", entries)) == ["00000001-manager-02", "00000003-manager-01"])
        #expect(try index.refs("login AND drafted", entries) == ["00000002-coder-01"])
        #expect(Set(try index.refs("friday OR drafted", entries)) == ["00000001-manager-02", "00000002-coder-01"])
        #expect(try index.refs("login NOT drafted", entries) == ["00000001-manager-01"])
    }

    @Test func marksMatchesInSnippets() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let hit = try #require(try index.hits("friday").first)
        #expect(hit.snippet == ["Budget review is due on ", "Friday", ""])
        #expect(hit.snippetText() == "Budget review is due on [Friday]")
        #expect(hit.json["snippet"] == ["Budget review is due on ", "Friday", ""])
    }

    @Test func filtersByEveryField() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        #expect(try index.refs("spec") { $0.agents = ["coder"] } == ["00000002-coder-01"])
        #expect(try index.refs("spec") { $0.kinds = ["report"] } == ["00000002-coder-01"])
        #expect(try index.refs("spec") { $0.recipient = "coder" } == ["00000001-manager-01"])
        #expect(try index.refs("spec") { $0.tags = ["spec", "nothing"] } == ["00000002-coder-01"])
        #expect(try index.refs("spec") { $0.priorities = [.urgent] } == ["00000001-manager-01"])
        #expect(
            Set(try index.refs("spec") { $0.thread = "00000001-manager-01" }) == ["00000001-manager-01"])
        #expect(
            try index.refs("spec") {
                $0.fromTick = 2
                $0.toTick = 2
                $0.sources = [.entries]
            } == ["00000002-coder-01"])
        #expect(try index.refs("login") { $0.sources = [.memory] } == ["plan"])
        #expect(try index.refs("sprint") { $0.sources = [.entries, .memory] } == [])
    }

    @Test func listsNewestFirstWithoutTextAndPagesWithCursors() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        var query = SearchQuery()
        query.sources = [.entries]
        query.limit = 2
        var seen: [String] = []
        var page = try index.search(query)
        #expect(page.total == 4)
        seen += page.hits.map(\.ref)
        while let cursor = page.nextCursor {
            query.cursor = cursor
            page = try index.search(query)
            #expect(page.total == nil)
            seen += page.hits.map(\.ref)
        }
        #expect(
            seen == ["00000003-manager-01", "00000002-coder-01", "00000001-manager-02", "00000001-manager-01"])
    }

    @Test func pagesByRelevanceWithoutRepeatsOrGaps() async throws {
        // Nine entries of one reply; the n-th says "deploy" n times among other words.
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
        let texts = (1...9).map { count in
            (0..<9).map { $0 < count ? "deploy" : words[$0] }.joined(separator: " ")
        }
        let script = [ScriptLine("manager", tick: 1, reply(texts))]
        let org = try makeOrg(script)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        var query = SearchQuery("deploy")
        query.limit = 4
        var all: [SearchHit] = []
        var page = try index.search(query)
        #expect(page.total == 9)
        all += page.hits
        while let cursor = page.nextCursor {
            query.cursor = cursor
            page = try index.search(query)
            all += page.hits
        }
        #expect(all.count == 9)
        #expect(Set(all.map(\.ref)).count == 9)
        let scores = all.compactMap(\.score)
        #expect(scores == scores.sorted(by: >))
        // bm25 favours the entry that says it most often.
        #expect(all.first?.ref == "00000001-manager-09")
        // In time order, with text, pages follow each other too (and still carry scores).
        query.order = .time
        query.cursor = nil
        var newest: [SearchHit] = []
        page = try index.search(query)
        newest += page.hits
        while let cursor = page.nextCursor {
            query.cursor = cursor
            page = try index.search(query)
            newest += page.hits
        }
        #expect(newest.map(\.ref) == (1...9).reversed().map { "00000001-manager-0\($0)" })
        #expect(newest.allSatisfy { $0.score != nil })
    }

    @Test func badQueriesAndCursorsAreClearErrors() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        for text in ["login-page", "\"unterminated", "AND", "nosuchcolumn: x", "(login"] {
            let error = try #require(throws: LemmingError.self, "\(text)") { try index.search(SearchQuery(text)) }
            #expect(error.code == .badQuery, "\(text)")
            #expect(error.field == "q")
        }
        var query = SearchQuery("login")
        query.cursor = "t5.3"
        let error = try #require(throws: LemmingError.self) { try index.search(query) }
        #expect(error.code == .badQuery)
        #expect(error.field == "cursor")
        query.cursor = nil
        query.limit = 0
        #expect(throws: LemmingError.self) { try index.search(query) }
        // Quoted, the punctuation is fine.
        #expect(try index.search(SearchQuery("\"login-page\"")).hits.isEmpty == false)
    }
}
