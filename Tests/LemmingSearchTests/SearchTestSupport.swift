import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting

/// A reply with entries, memory updates and notes.
func reply(
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
        memory.sorted { $0.key < $1.key }.map { ["op": "set", "key": .string($0.key), "value": .string($0.value)] })
    if !tools.isEmpty { object["tool_calls"] = .array(tools) }
    if let notes { object["notes"] = .string(notes) }
    return .object(object)
}

/// An org of a manager who reads the human and a coder who reads the manager, with a script.
func makeOrg(_ script: [ScriptLine], config: JSONObject = [:]) throws -> TemporaryOrg {
    try TemporaryOrg.make(
        agents: [TestAgent("coder", reads: ["manager"]), TestAgent("manager", reads: ["human", "coder"])],
        replies: script, config: config)
}

/// The script most tests use: three ticks of planning, coding and review.
let planScript: [ScriptLine] = [
    ScriptLine(
        "manager", tick: 1,
        reply(
            ["Please draft the login page spec", "Budget review is due on Friday"], to: ["coder"], kind: "request",
            tags: ["planning"], priority: "urgent", memory: ["plan": "ship the login page before the launch"],
            notes: "split the work for the sprint")),
    ScriptLine("coder", tick: 2, reply(["The login page spec is drafted"], kind: "report", tags: ["spec"])),
    ScriptLine("manager", tick: 3, reply(["Thanks, reviewing the spec now"], notes: "waiting for the reviewer")),
]

extension SearchIndex {
    func hits(_ text: String?, _ configure: (inout SearchQuery) -> Void = { _ in }) throws -> [SearchHit] {
        var query = SearchQuery(text)
        configure(&query)
        return try search(query).hits
    }

    func refs(_ text: String?, _ configure: (inout SearchQuery) -> Void = { _ in }) throws -> [String] {
        try hits(text, configure).map(\.ref)
    }
}
