import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting

/// A reply with entries, memory updates and notes (``ScriptLine/reply(_:to:kind:tags:priority:memory:notes:tools:)``).
func reply(
    _ texts: [String] = [], to: [String]? = nil, kind: String = "message", tags: [String] = [],
    priority: String = "normal", memory: [String: String] = [:], notes: String? = nil, tools: [JSONValue] = []
) -> JSONValue {
    ScriptLine.reply(
        texts, to: to, kind: kind, tags: tags, priority: priority, memory: memory, notes: notes, tools: tools)
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
