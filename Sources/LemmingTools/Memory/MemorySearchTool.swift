import LemmingCore
import LemmingJSON

/// `memory_search`: the caller's memory records that match a text, best first.
///
/// With a ``MemoryRanking`` (the org's search index: bm25, or embeddings when the org turned
/// semantic memory on), records are ranked by it; records it does not know yet (written since
/// the index last caught up, or earlier in this turn) follow when their key or value contains
/// the text. Without one, or when it fails, the text match alone answers (ignoring case).
struct MemorySearchTool: Tool {
    static let maximumMatches = 50
    static let previewCharacters = 200

    let name = "memory_search"
    let ranking: (any MemoryRanking)?
    /// A ranking that calls a provider (embeddings) costs credits: recorded, never redone for a tick.
    var hasExternalEffects: Bool { ranking?.callsProvider ?? false }
    let summary =
        "Find your memory records that match a text, best first (words; the org's search index ranks them)."
    let argumentSchema = Schema.object(
        ["query": Schema.string("what to look for", minLength: 1, maxLength: 1_000)], required: ["query"])

    init(ranking: (any MemoryRanking)? = nil) {
        self.ranking = ranking
    }

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let query = arguments["query"]?.stringValue ?? ""
        var ranked: RankedMemory?
        if let ranking { ranked = try? await ranking.rank(query, agent: context.agent, limit: Self.maximumMatches) }
        let records = Dictionary(context.memory.mostRecentFirst.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var keys: [String] = []
        var seen = Set<String>()
        // Ranked keys that still exist (a record deleted since the index saw it is gone).
        for key in ranked?.keys ?? [] where records[key] != nil && seen.insert(key).inserted { keys.append(key) }
        let lowered = query.lowercased()
        for record in context.memory.mostRecentFirst where !seen.contains(record.key) {
            let text = record.value.compactText
            guard record.key.lowercased().contains(lowered) || text.lowercased().contains(lowered) else { continue }
            seen.insert(record.key)
            keys.append(record.key)
        }
        var effects: [ToolEffect] = []
        if let ranked, ranked.cost > 0 || ranked.usage.inputTokens > 0 {
            effects.append(.charge(cost: ranked.cost, inputTokens: ranked.usage.inputTokens, purpose: "embeddings"))
        }
        guard !keys.isEmpty else { return ToolOutput(.success(name, "(no matches)"), effects: effects) }
        let lines = keys.prefix(Self.maximumMatches).compactMap { key -> String? in
            guard let record = records[key] else { return nil }
            let text = record.value.compactText
            let preview = text.count > Self.previewCharacters ? text.prefix(Self.previewCharacters) + "…" : text[...]
            return "\(key): \(preview)"
        }
        return ToolOutput(
            .success(name, lines.joined(separator: "\n"), truncated: keys.count > Self.maximumMatches),
            effects: effects)
    }
}
