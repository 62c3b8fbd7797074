/// Ranks an agent's memory records for a text, for `memory_search` (DESIGN §7): by the org's
/// search index (FTS5 bm25), and by embeddings when the org turned semantic memory on. The
/// composition root provides one per org; without one, `memory_search` matches text plainly.
public protocol MemoryRanking: Sendable {
    /// Whether ranking calls a provider (embeddings): such calls cost credits and must not be
    /// made twice for one tick (DESIGN §5.6).
    var callsProvider: Bool { get }

    /// The keys of `agent`'s memory that match `query`, best first, at most `limit`.
    ///
    /// - Throws: any error; the caller falls back to matching text.
    func rank(_ query: String, agent: String, limit: Int) async throws -> RankedMemory
}

/// What ranking found, and what it cost.
public struct RankedMemory: Sendable, Equatable {
    /// Memory keys, best first.
    public var keys: [String]
    /// How they were ranked: `bm25`, `semantic` (cosine similarity of embeddings) or `hybrid`
    /// (both, fused by reciprocal rank).
    public var method: String
    /// Credits the ranking's provider calls cost, charged to the agent.
    public var cost: Double
    /// The tokens those calls used.
    public var usage: TokenUsage

    /// A ranking of `keys` (best first) by `method`, costing `cost` credits and `usage` tokens (default free).
    public init(keys: [String], method: String, cost: Double = 0, usage: TokenUsage = .zero) {
        self.keys = keys
        self.method = method
        self.cost = cost
        self.usage = usage
    }
}
