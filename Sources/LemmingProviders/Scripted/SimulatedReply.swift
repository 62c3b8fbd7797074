import LemmingCore
import LemmingJSON

/// A reply of the ``Simulation`` as it is built: entries, tool calls, memory updates and notes,
/// written out in the reply contract (README "How a tick works").
struct SimulatedReply {
    var entries: [JSONValue] = []
    var toolCalls: [JSONValue] = []
    var memoryUpdates: [JSONValue] = []
    var notes: [String] = []

    /// Adds an outbox entry; `recipients` `nil` reaches every reader.
    mutating func send(
        _ kind: String, _ text: String, to recipients: [String]?, replyTo: String? = nil, tags: [String] = []
    ) {
        var entry: JSONObject = ["kind": .string(kind), "payload": ["text": .string(text)]]
        if let recipients { entry["to"] = .strings(recipients) }
        if let replyTo { entry["reply_to"] = .string(replyTo) }
        if !tags.isEmpty { entry["tags"] = .strings(tags) }
        entries.append(.object(entry))
    }

    mutating func call(_ tool: String, _ arguments: JSONObject) {
        toolCalls.append(["tool": .string(tool), "args": .object(arguments)])
    }

    mutating func remember(_ key: String, _ value: JSONValue, operation: MemoryOperation = .set) {
        memoryUpdates.append(["key": .string(key), "op": .string(operation.rawValue), "value": value])
    }

    mutating func forget(_ key: String) {
        memoryUpdates.append(["key": .string(key), "op": "delete"])
    }

    mutating func note(_ text: String) {
        notes.append(text)
    }

    /// The reply as one compact JSON object, with only the fields it uses.
    var text: String {
        var object = JSONObject()
        if !entries.isEmpty { object["outbox_entries"] = .array(entries) }
        if !toolCalls.isEmpty { object["tool_calls"] = .array(toolCalls) }
        if !memoryUpdates.isEmpty { object["memory_updates"] = .array(memoryUpdates) }
        object["notes"] = .string(notes.isEmpty ? "idle" : notes.joined(separator: "; "))
        return JSONValue.object(object).compactText
    }
}
