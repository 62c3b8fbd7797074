import LemmingJSON
import Testing

@testable import LemmingCore
@testable import LemmingProviders

private func replies(_ lines: [String]) throws -> ScriptedReplies {
    try ScriptedReplies(bytes: Array(lines.joined(separator: "\n").utf8), file: "replies.jsonl")
}

/// Parses `lines`, expects a ``LemmingError`` and returns it.
private func parseError(_ lines: [String]) -> LemmingError? {
    #expect(throws: LemmingError.self) { try replies(lines) }
}

@Test func exactTickLineWinsOverTicklessFallbackWhateverTheOrder() throws {
    let script = try replies([
        #"{"agent": "manager", "reply": "fallback"}"#,
        #"{"agent": "manager", "tick": 3, "reply": "at three"}"#,
        #"{"agent": "planner", "tick": 2, "reply": "planner two"}"#,
        #"{"agent": "planner", "reply": "planner fallback"}"#,
    ])
    #expect(script.reply(agent: "manager", tick: 3) == "at three")
    #expect(script.reply(agent: "manager", tick: 4) == "fallback")
    #expect(script.reply(agent: "manager", tick: 0) == "fallback")
    #expect(script.reply(agent: "planner", tick: 2) == "planner two")
    #expect(script.reply(agent: "planner", tick: 7) == "planner fallback")
}

@Test func agentWithoutFallbackHasNoReplyAtOtherTicks() throws {
    let script = try replies([#"{"agent": "manager", "tick": 1, "reply": "one"}"#])
    #expect(script.reply(agent: "manager", tick: 1) == "one")
    #expect(script.reply(agent: "manager", tick: 2) == nil)
    #expect(script.reply(agent: "planner", tick: 1) == nil)
}

@Test func nullTickIsTheFallback() throws {
    let script = try replies([#"{"agent": "manager", "tick": null, "reply": "any"}"#])
    #expect(script.reply(agent: "manager", tick: 42) == "any")
}

@Test func stringReplyIsKeptVerbatim() throws {
    let text = #"Sure! ```json {"notes": "wrapped"} ``` done"#
    let line = JSONValue.object(["agent": "manager", "reply": .string(text)]).compactText
    let script = try replies([line])
    #expect(script.reply(agent: "manager", tick: 1) == text)
}

@Test func objectReplyBecomesItsCompactJSON() throws {
    let script = try replies([
        #"{"agent": "manager", "tick": 1, "reply": {"outbox_entries": [{"kind": "message", "payload": {"text": "hi"}}], "notes": "n"}}"#
    ])
    let text = try #require(script.reply(agent: "manager", tick: 1))
    #expect(!text.contains("\n"))
    let parsed = try JSONValue.parse(text)
    #expect(parsed["notes"] == "n")
    #expect(parsed["outbox_entries"]?.arrayValue?.first?["payload"]?["text"] == "hi")
    let reply = ReplyParser(limits: OrgConfig.ReplyLimits()).parse(text)
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.map(\.payload) == [["text": "hi"]])
}

@Test func blankAndCommentLinesAreIgnored() throws {
    let script = try replies([
        "",
        "// a comment",
        "   ",
        "  // an indented comment with {not json",
        #"{"agent": "manager", "reply": "ok"}"#,
        "\t",
        "",
    ])
    #expect(script.reply(agent: "manager", tick: 9) == "ok")
    #expect(try replies(["", "// only comments", ""]) == ScriptedReplies())
}

@Test func windowsLineEndingsAreAccepted() throws {
    let bytes = Array("{\"agent\": \"manager\", \"tick\": 1, \"reply\": \"one\"}\r\n// c\r\n\r\n".utf8)
    let script = try ScriptedReplies(bytes: bytes, file: "replies.jsonl")
    #expect(script.reply(agent: "manager", tick: 1) == "one")
}

@Test func badJSONNamesItsLineCountingBlankAndCommentLines() throws {
    let error = try #require(
        parseError([
            #"{"agent": "manager", "reply": "ok"}"#,
            "",
            "// comment",
            #"{"agent": "manager", "reply": "#,
        ]))
    #expect(error.code == .invalidFile)
    #expect(error.path == "replies.jsonl")
    #expect(error.field == "line 4")
    #expect(error.description.contains("line 4"))
}

@Test(arguments: [
    (#"{"reply": "no agent"}"#, "agent"),
    (#"{"agent": 7, "reply": "numeric agent"}"#, "agent"),
    (#"{"agent": "Manager", "reply": "upper case"}"#, "agent"),
    (#"{"agent": "bad name", "reply": "space"}"#, "agent"),
    (#"{"agent": "", "reply": "empty"}"#, "agent"),
    (#"{"agent": "manager"}"#, "reply"),
    (#"{"agent": "manager", "reply": null}"#, "reply"),
    (#"{"agent": "manager", "reply": 42}"#, "reply"),
    (#"{"agent": "manager", "reply": [1, 2]}"#, "reply"),
    (#"{"agent": "manager", "tick": "3", "reply": "x"}"#, "tick"),
    (#"{"agent": "manager", "tick": 2.5, "reply": "x"}"#, "tick"),
    (#"{"agent": "manager", "tick": true, "reply": "x"}"#, "tick"),
    (#"["agent", "manager"]"#, "agent"),
])
func malformedLineThrowsNamingTheLine(line: String, mentions: String) throws {
    let error = try #require(parseError([#"{"agent": "planner", "reply": "fine"}"#, line]))
    #expect(error.code == .invalidFile)
    #expect(error.path == "replies.jsonl")
    #expect(error.field == "line 2")
    #expect(error.message.contains(mentions), "\(error)")
}

@Test func integralDoubleTickIsAnInteger() throws {
    let script = try replies([#"{"agent": "manager", "tick": 3.0, "reply": "three"}"#])
    #expect(script.reply(agent: "manager", tick: 3) == "three")
}
