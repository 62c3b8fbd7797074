import LemmingCore
import LemmingJSON

/// `memory_search`: the caller's memory keys whose name or value contains a text (ignoring case).
struct MemorySearchTool: Tool {
    static let maximumMatches = 50
    static let previewCharacters = 200

    let name = "memory_search"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Find your memory keys whose name or value contains a text (case-insensitive)."
    let argumentSchema = Schema.object(
        ["query": Schema.string("text to look for", minLength: 1, maxLength: 1_000)], required: ["query"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let query = (arguments["query"]?.stringValue ?? "").lowercased()
        var lines: [String] = []
        var truncated = false
        for record in context.memory.mostRecentFirst {
            let text = record.value.compactText
            guard record.key.lowercased().contains(query) || text.lowercased().contains(query) else { continue }
            guard lines.count < Self.maximumMatches else {
                truncated = true
                break
            }
            let preview = text.count > Self.previewCharacters ? text.prefix(Self.previewCharacters) + "…" : text[...]
            lines.append("\(record.key): \(preview)")
        }
        guard !lines.isEmpty else { return ToolOutput(.success(name, "(no matches)")) }
        return ToolOutput(.success(name, lines.joined(separator: "\n"), truncated: truncated))
    }
}
