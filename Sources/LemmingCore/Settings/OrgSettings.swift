import LemmingJSON

/// Every setting of `lemming.json` (DESIGN §4.5), as one table.
///
/// ``OrgConfig/parse(_:file:defaultName:)`` reads the file with it, `lemming schema config` prints
/// its JSON Schema (``ConfigSchema``) and a test keeps the README's table in step with it. Each
/// default is the value of a default-made ``OrgConfig``: adding a setting is one property and one
/// row.
enum OrgSettings {
    /// The rows, sections before their settings: the engine's, then `mcp` (read before `tools`, whose
    /// `require_approval` may name MCP tools), `tools`, `server`, `search`, `a2a`.
    static let table = SettingsTable(engine + mcp + tools + server + search + a2a)

    static let search: [Setting<OrgConfig>] = [
        .section("search", "The search index (`state/search.sqlite`) and semantic memory."),
        .optionalString(
            "search.embeddings", \.search.embeddings,
            "A model key whose embeddings rank memory by meaning (`memory_search`, `lemming search --semantic`); "
                + "null: off. Embedding calls an agent's search makes are charged to it."),
        .choice(
            "search.memory_ranking", \.search.memoryRanking,
            "How `memory_search` ranks when embeddings are on: \"hybrid\" (meaning and words, fused by "
                + "reciprocal rank) or \"semantic\" (meaning only)."),
    ]

    /// The settings of an org with no `lemming.json` (its `name` is the folder's, set by the reader).
    static var defaults: OrgConfig { OrgConfig(name: "") }
}
