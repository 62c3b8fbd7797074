import LemmingCore

/// `memory_search`'s ranking from the search index (``MemoryRanking``): bm25 over the agent's
/// memory records, and with semantic memory on, cosine similarity of embeddings — alone or fused
/// with bm25 by reciprocal rank (Cormack, Clarke and Büttcher, SIGIR 2009; k = 60).
///
/// It never builds the index inside a turn: when the file does not exist yet it throws, and the
/// tool matches text instead.
public struct IndexedMemoryRanking: MemoryRanking {
    /// The constant of reciprocal rank fusion: a document's fused score is Σ 1 / (k + rank).
    static let fusionConstant = 60.0

    public let index: SearchIndex
    public let semantic: SemanticMemory?
    public let mode: OrgConfig.MemoryRankingMode

    public init(index: SearchIndex, semantic: SemanticMemory? = nil, mode: OrgConfig.MemoryRankingMode = .hybrid) {
        self.index = index
        self.semantic = semantic
        self.mode = mode
    }

    public var callsProvider: Bool { semantic != nil }

    public func rank(_ query: String, agent: String, limit: Int) async throws -> RankedMemory {
        guard FileSystem.exists(index.paths.searchIndex) else {
            throw LemmingError(.notFound, "the search index is not built yet", path: "state/search.sqlite")
        }
        let words = try bm25(query, agent: agent, limit: limit)
        guard let semantic else { return RankedMemory(keys: words, method: "bm25") }
        let ranking = try await semantic.rank(query, agents: [agent], limit: limit)
        let meaning = ranking.matches.map(\.key)
        let keys = mode == .semantic ? meaning : Self.fuse([meaning, words], limit: limit)
        return RankedMemory(keys: keys, method: mode.rawValue, cost: ranking.cost, usage: ranking.usage)
    }

    /// The agent's records that contain any word of the text, best first by bm25.
    func bm25(_ text: String, agent: String, limit: Int) throws -> [String] {
        try Self.bm25(text, agents: [agent], limit: limit, index: index).map(\.ref)
    }

    /// The memory records of `agents` (every agent's when `nil`) that contain any word of the
    /// text, best first by bm25.
    static func bm25(_ text: String, agents: Set<String>?, limit: Int, index: SearchIndex) throws -> [SearchHit] {
        guard let expression = anyWord(text) else { return [] }
        var query = SearchQuery(expression)
        query.sources = [.memory]
        query.agents = agents
        query.limit = limit
        query.counts = false
        return try index.search(query).hits
    }

    /// Free text as an FTS5 expression that matches any of its words (each quoted, so no word is
    /// read as an operator); `nil` when it has none.
    static func anyWord(_ text: String) -> String? {
        let words = text.split { !($0.isLetter || $0.isNumber || $0 == "_") }
        guard !words.isEmpty else { return nil }
        return words.prefix(32).map { "\"\($0)\"" }.joined(separator: " OR ")
    }

    /// Reciprocal rank fusion of rankings (best first each).
    static func fuse(_ rankings: [[String]], limit: Int) -> [String] {
        var scores: [String: Double] = [:]
        var first: [String: Int] = [:]
        var order = 0
        for ranking in rankings {
            for (position, key) in ranking.enumerated() {
                scores[key, default: 0] += 1 / (fusionConstant + Double(position + 1))
                if first[key] == nil {
                    first[key] = order
                    order += 1
                }
            }
        }
        return scores.keys.sorted { (scores[$0] ?? 0, first[$1] ?? 0) > (scores[$1] ?? 0, first[$0] ?? 0) }
            .prefix(limit).map { $0 }
    }
}
