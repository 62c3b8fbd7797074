import LemmingCore
import LemmingJSON

/// `memory_write`: sets, appends to, merges into or deletes one of the caller's memory keys,
/// under the same caps as a reply's `memory_updates`.
struct MemoryWriteTool: Tool {
    let name = "memory_write"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Store a value under one of your memory keys (op: set, append, merge or delete)."
    let argumentSchema = Schema.object(
        [
            "key": Schema.memoryKey,
            "value": ["description": "any JSON value (not needed for delete)"],
            "op": [
                "type": "string", "enum": .strings(MemoryOperation.allCases.map(\.rawValue)),
                "description": "default set",
            ],
        ],
        required: ["key"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let key = arguments["key"]?.stringValue ?? ""
        guard Names.isValidMemoryKey(key) else {
            return ToolOutput(.failure(name, "'\(key)' is not a valid memory key (letters, digits, '_' or '-')"))
        }
        let operation = arguments["op"]?.stringValue.flatMap(MemoryOperation.init(rawValue:)) ?? .set
        let value = arguments["value"] ?? .null
        if operation != .delete, arguments["value"] == nil {
            return ToolOutput(.failure(name, "args.value is required for \(operation.rawValue)"))
        }
        return ToolOutput(
            .success(name, "\(operation.rawValue) \(key)"),
            effects: [.memory(MemoryUpdate(key: key, operation: operation, value: value))])
    }
}
