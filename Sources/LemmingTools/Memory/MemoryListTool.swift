import LemmingCore
import LemmingJSON

/// `memory_list`: the caller's memory keys with their sizes, most recently updated first.
struct MemoryListTool: Tool {
    let name = "memory_list"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "List your memory keys with their sizes and the tick each was last updated."
    let argumentSchema = Schema.object([:])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let records = context.memory.mostRecentFirst
        guard !records.isEmpty else { return ToolOutput(.success(name, "(no memory keys)")) }
        let lines = records.map { "\($0.key) (\($0.valueSize) bytes, tick \($0.updatedTick))" }
        return ToolOutput(.success(name, lines.joined(separator: "\n")))
    }
}
