import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch

/// Full-text search over the org's history: entries (the archive's included), memory records and
/// turn records, through the search index (issue 13; `state/search.sqlite`).
enum SearchRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/api/search", operationID: "search",
            summary:
                "Search entries, memory and turn records (SQLite FTS5 syntax: words, \"phrases\", prefix*, AND / OR / "
                + "NOT), best or newest first; snippet alternates context and matches (odd positions are matches); "
                + "follow next_cursor for the next page.",
            tag: "messages", access: .read,
            query: [
                .init(
                    name: "q", type: "string",
                    description: "FTS5 query text; without it, the documents that pass the filters, newest first."),
                .init(
                    name: "in", type: "string", description: "entries, memory, turns (comma-separated; default all)."),
                .init(name: "agent", type: "string", description: "Authors or owners, comma-separated."),
                .init(name: "kind", type: "string", description: "Entry kinds, or turn stop reasons, comma-separated."),
                .init(name: "recipient", type: "string", description: "Entries whose recipients name this agent."),
                .init(name: "thread", type: "string", description: "Entries of this thread (its first entry's id)."),
                .init(name: "tag", type: "string", description: "Entries with any of these tags, comma-separated."),
                .init(name: "priority", type: "string", description: "urgent, normal, low (comma-separated)."),
                .init(name: "from_tick", type: "integer", description: "At this tick or later."),
                .init(name: "to_tick", type: "integer", description: "At this tick or earlier."),
                .init(name: "archived", type: "boolean", description: "Include archived entries (default true)."),
                .init(
                    name: "order", type: "string",
                    description:
                        "relevance (default with q; a query with more than 2,000 matches ranks its newest 2,000, "
                        + "total counts all) or time."),
                .init(name: "limit", type: "integer", description: "Results per page (1-200, default 50)."),
                .init(name: "cursor", type: "string", description: "A page's next_cursor."),
                .init(
                    name: "semantic", type: "boolean",
                    description:
                        "Rank memory by meaning (embeddings of search.embeddings; fused with words when "
                        + "search.memory_ranking is hybrid); the answer's embedding says what it cost."),
            ],
            errors: [502, 503]
        ) { request, _, backend in
            let parameters = Query(request)
            let query = try searchQuery(parameters)
            let index = try backend.searchIndex()
            if try parameters.bool("semantic") { return try await semantic(query, index: index, backend: backend) }
            let page = try index.search(query)
            return .json(page.json(query, freshness: try? index.freshness()))
        }
    ]

    /// A search of memory by meaning. Its embedding calls are the caller's, not an agent's: they
    /// are reported in the answer and charged to no one.
    static func semantic(_ query: SearchQuery, index: SearchIndex, backend: OrgBackend) async throws -> Response {
        guard let text = query.text else {
            throw APIError.badRequest("a semantic search needs the text to compare with", field: "q")
        }
        let config = try backend.view().config
        guard let memory = try backend.configuration.semanticMemory?(index, config) else {
            throw APIError.badRequest(
                "semantic search needs search.embeddings (a model key) in lemming.json", field: "semantic")
        }
        let result: SemanticMemory.Result
        do {
            result = try await memory.search(
                text, agents: query.agents, limit: query.limit, mode: config.search.memoryRanking)
        } catch let error as ProviderError {
            throw APIError(.badGateway, "embedding_failed", "the embedding call failed: \(error.message)")
        }
        return .json(result.json(query: text, memory: memory, mode: config.search.memoryRanking))
    }

    /// The query of a request.
    ///
    /// - Throws: ``APIError`` 400 naming the parameter that is wrong.
    static func searchQuery(_ query: Query) throws -> SearchQuery {
        var search = SearchQuery(query.string("q"))
        if let sources = query.list("in") {
            search.sources = Set(
                try sources.map { name in
                    guard let source = SearchSource(rawValue: name) else {
                        throw APIError.badRequest("must be entries, memory or turns (comma-separated)", field: "in")
                    }
                    return source
                })
        }
        search.agents = query.list("agent").map(Set.init)
        search.kinds = query.list("kind").map(Set.init)
        search.recipient = query.string("recipient")
        search.thread = query.string("thread")
        search.tags = query.list("tag").map(Set.init)
        search.priorities = try MessageRoutes.priorities(query)
        search.fromTick = try query.int("from_tick", in: 0...Int.max)
        search.toTick = try query.int("to_tick", in: 0...Int.max)
        if query.string("archived") != nil { search.includesArchived = try query.bool("archived") }
        if let order = query.string("order") {
            guard let value = SearchQuery.Order(rawValue: order) else {
                throw APIError.badRequest("must be relevance or time", field: "order")
            }
            search.order = value
        } else if search.text == nil {
            search.order = .time
        }
        search.limit = try query.limit(max: 200)
        search.cursor = query.string("cursor")
        return search
    }
}
