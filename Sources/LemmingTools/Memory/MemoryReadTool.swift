import LemmingCore
import LemmingJSON

/// `memory_read`: the value of one of the caller's memory keys.
struct MemoryReadTool: Tool {
    let name = "memory_read"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Read the value stored under one of your memory keys."
    let argumentSchema = Schema.object(["key": Schema.memoryKey], required: ["key"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let key = arguments["key"]?.stringValue ?? ""
        guard let record = context.memory[key] else {
            let keys = context.memory.records.keys.sorted(by: Names.precedes)
            let known =
                keys.isEmpty ? "you have no memory keys" : "your keys: " + keys.prefix(50).joined(separator: ", ")
            return ToolOutput(.failure(name, "no memory key '\(key)' (\(known))"))
        }
        return ToolOutput(.success(name, record.value.compactText))
    }
}
