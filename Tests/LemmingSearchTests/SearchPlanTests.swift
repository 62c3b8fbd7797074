import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingSearch

/// How searches read the index at scale: filters as facet terms of the full-text index, the tick
/// range as a range of its keys, relevance over the newest matches only.
@Suite(.timeLimit(.minutes(2))) struct SearchPlanTests {
    /// Nine entries of one reply; the n-th says "deploy" 10 - n times among other words, so the
    /// oldest matches best.
    static let deployScript: [ScriptLine] = {
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
        let texts = (1...9).map { number in
            (0..<9).map { $0 < 10 - number ? "deploy" : words[$0] }.joined(separator: " ")
        }
        return [ScriptLine("manager", tick: 1, reply(texts))]
    }()

    @Test func relevanceRanksTheNewestMatchesWhenThereAreMore() async throws {
        let org = try makeOrg(Self.deployScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        var query = SearchQuery("deploy")
        query.limit = 2
        var page = try index.search(query, rankedMatches: 4)
        // Every match is counted; the four newest are ranked, best first, over two pages.
        #expect(page.total == 9)
        var ranked = page.hits
        while let cursor = page.nextCursor {
            query.cursor = cursor
            page = try index.search(query, rankedMatches: 4)
            #expect(page.total == nil)
            ranked += page.hits
        }
        #expect(ranked.map(\.ref) == (6...9).map { "00000001-manager-0\($0)" })
        let scores = ranked.compactMap(\.score)
        #expect(scores.count == 4 && scores == scores.sorted(by: >))
        // With room for all of them, the oldest (the best match) comes first.
        #expect(try index.search(SearchQuery("deploy"), rankedMatches: 9).hits.first?.ref == "00000001-manager-01")
    }

    @Test func filtersMatchWholeValuesExactly() async throws {
        let script = [
            ScriptLine("manager", tick: 1, reply(["Ship the login page"], tags: ["Needs Review", "naïve"])),
            ScriptLine("manager", tick: 2, reply(["Ship the budget"], tags: ["needs review"])),
            ScriptLine("coder", tick: 2, reply(["Shipping notes"], kind: "report", tags: ["needs"])),
        ]
        let org = try makeOrg(script)
        defer { org.remove() }
        try await org.run(ticks: 2)
        let index = try SearchIndex.open(org.paths)
        #expect(try index.refs("ship") { $0.tags = ["Needs Review"] } == ["00000001-manager-01"])
        #expect(try index.refs("ship") { $0.tags = ["needs review"] } == ["00000002-manager-01"])
        #expect(try index.refs("ship") { $0.tags = ["naive"] } == [])
        #expect(try index.refs("ship") { $0.tags = ["naïve"] } == ["00000001-manager-01"])
        #expect(try index.refs(nil) { $0.tags = ["needs"] } == ["00000002-coder-01"])
        #expect(try index.refs(nil) { $0.kinds = ["Report"] } == [])
        // Listings by filter alone, newest first, counted.
        var query = SearchQuery()
        query.agents = ["manager"]
        query.sources = [.entries]
        let page = try index.search(query)
        #expect(page.hits.map(\.ref) == ["00000002-manager-01", "00000001-manager-01"])
        #expect(page.total == 2)
    }

    @Test func theTextCannotReachTheFilters() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let coder: (inout SearchQuery) -> Void = { $0.agents = ["coder"] }
        #expect(try index.refs("spec OR friday", coder) == ["00000002-coder-01"])
        // An unbalanced ")" would close the parentheses the text is put in, and drop the filter.
        for text in ["friday) OR (spec", "friday)", "\"friday"] {
            let error = try #require(throws: LemmingError.self, "\(text)") { try index.search(SearchQuery(text)) }
            #expect(error.code == .badQuery)
            let filtered = try #require(throws: LemmingError.self, "\(text)") {
                var query = SearchQuery(text)
                coder(&query)
                return try index.search(query)
            }
            #expect(filtered.code == .badQuery)
            #expect(filtered.field == "q")
        }
        // Prefixes match words of the text only, never the terms filters are stored as.
        #expect(try index.refs("__*").isEmpty)
        #expect(try index.refs("__a*", coder).isEmpty)
        #expect(try index.refs("draft*", coder) == ["00000002-coder-01"])
        // Parentheses and quotes that pair up are fine.
        #expect(try index.refs("(spec OR friday) AND \"login page\"", coder) == ["00000002-coder-01"])
    }

    @Test func tickRangesOfAnySizeAndEmptyListsAreAnswered() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        func entries(from: Int?, to: Int?) -> (inout SearchQuery) -> Void {
            { query in
                query.sources = [.entries]
                query.fromTick = from
                query.toTick = to
            }
        }
        #expect(try index.refs("spec", entries(from: Int.max, to: nil)).isEmpty)
        #expect(try index.refs("spec", entries(from: nil, to: -1)).isEmpty)
        #expect(try index.refs("spec", entries(from: -5, to: Int.max)).count == 3)
        #expect(try index.refs("spec", entries(from: 2, to: 2)) == ["00000002-coder-01"])
        #expect(try index.refs(nil, entries(from: 3, to: 3)) == ["00000003-manager-01"])
        #expect(try index.refs(nil, entries(from: 4, to: nil)).isEmpty)
        var query = SearchQuery("spec")
        query.agents = []
        #expect(try index.search(query) == SearchPage(hits: [], total: 0, nextCursor: nil))
    }

    @Test func pagesOfFilteredSearchesFollowEachOther() async throws {
        let org = try makeOrg(Self.deployScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        for order in SearchQuery.Order.allCases {
            var query = SearchQuery("deploy")
            query.agents = ["manager"]
            query.kinds = ["message"]
            query.order = order
            query.limit = 4
            var page = try index.search(query)
            #expect(page.total == 9)
            var refs = page.hits.map(\.ref)
            while let cursor = page.nextCursor {
                query.cursor = cursor
                page = try index.search(query)
                refs += page.hits.map(\.ref)
            }
            let expected = order == .time ? (1...9).reversed() : Array(1...9)
            #expect(refs == expected.map { "00000001-manager-0\($0)" }, "\(order)")
        }
    }
}
