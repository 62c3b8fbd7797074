import LemmingJSON

extension ScriptLine {
    /// A reply of the scripted model (DESIGN §5.3): entries with `texts` (all of one kind, tags,
    /// priority and recipients; `to: nil` is everyone who reads the author), memory `set`s in key
    /// order, tool calls and notes.
    public static func reply(
        _ texts: [String] = [], to: [String]? = nil, kind: String = "message", tags: [String] = [],
        priority: String = "normal", memory: [String: String] = [:], notes: String? = nil, tools: [JSONValue] = []
    ) -> JSONValue {
        var object = JSONObject()
        object["outbox_entries"] = .array(
            texts.map { text in
                var entry: JSONObject = [
                    "kind": .string(kind), "payload": ["text": .string(text)], "tags": .strings(tags),
                    "priority": .string(priority),
                ]
                if let to { entry["to"] = .strings(to) }
                return .object(entry)
            })
        object["memory_updates"] = .array(
            memory.sorted { $0.key < $1.key }.map { ["op": "set", "key": .string($0.key), "value": .string($0.value)] }
        )
        if !tools.isEmpty { object["tool_calls"] = .array(tools) }
        if let notes { object["notes"] = .string(notes) }
        return .object(object)
    }
}
