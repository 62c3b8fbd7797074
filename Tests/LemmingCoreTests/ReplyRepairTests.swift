import LemmingJSON
import Testing

@testable import LemmingCore

// Replies as models really write them (issue 11 items 8 and 9): the defects of model JSON are
// repaired and reported, and the object that is the reply is taken, not an object inside it.

// MARK: - Trailing commas and the object that is the reply

@Test func trailingCommasAreRepairedAndTheOuterObjectIsTheReply() throws {
    // shared/cases/09-reply-trailing-comma: the inner entry object used to be taken as the reply.
    let reply = parseReply(
        #"{"outbox_entries": [{"kind": "response", "to": ["human"], "payload": {"text": "pong"}},], "notes": "answered",}"#
    )
    #expect(reply.entries.map(\.payload["text"]) == ["pong"])
    #expect(reply.entries.first?.recipients == ["human"])
    #expect(reply.notes == "answered")
    #expect(reply.codes == ["json_repaired"])
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains("trailing comma"))
}

@Test func aToolCallWithArgsAsAJSONStringIsDecoded() throws {
    // shared/cases/14-tool-args-json-string.
    let reply = parseReply(
        #"{"tool_calls": [{"tool": "file_write", "args": "{\"path\": \"notes.txt\", \"content\": \"hello\"}"}]}"#)
    let call = try #require(reply.toolCalls.first)
    #expect(call.tool == "file_write")
    #expect(call.arguments == ["path": "notes.txt", "content": "hello"])
    #expect(reply.codes == ["args_shape"])
    #expect(reply.fields == ["tool_calls[0].args"])
}

@Test func aValueNestedBeyondTheReplyLimitIsRefusedNamingTheField() {
    // shared/cases/r-deep-approval: 196 nested lists inside the args of a memory_write call.
    let value = String(repeating: "[", count: 196) + "1" + String(repeating: "]", count: 196)
    let reply = parseReply(#"{"tool_calls": [{"tool": "memory_write", "args": {"key": "k", "value": \#(value)}}]}"#)
    #expect(reply.toolCalls.count == 0)
    #expect(reply.codes == ["too_deep"])
    #expect(reply.fields == ["tool_calls[0].args"])
}

/// Replies with the defects models really write (sources: mem0ai/mem0#4737 and bytedance/deer-flow#2368
/// for trailing commas, MorpheusAIs/Lite-Client#15 for llama's `//` comments, FoundationAgents/MetaGPT#749
/// for `#` comments from GPT-4 and GLM-4, Python dict output for quotes and literals), each with the
/// repair it needs named in the `json_repaired` violation.
@Test(arguments: [
    (
        #"{"outbox_entries": [{"kind": "message", "to": ["coder"], "payload": {"text": "Build it",},},],}"#,
        "trailing commas"
    ),
    (
        """
        {
          "outbox_entries": [
            {"kind": "message", "to": ["coder"], "payload": {"text": "Build it"}} // the first task
          ],
          "notes": "delegated" // keep it short
        }
        """, "comments"
    ),
    (
        #"{"outbox_entries": [/* one task */ {"to": ["coder"], "payload": {"text": "Build it"}}], "notes": "delegated"}"#,
        "comments"
    ),
    (
        """
        {"outbox_entries": [{"to": ["coder"], "payload": {"text": "Build it"}}],
         "notes": "delegated"  # planning is done
        }
        """, "comments"
    ),
    (
        #"{'outbox_entries': [{'to': ['coder'], 'payload': {'text': "Build it"}}], 'notes': 'delegated'}"#,
        "single-quoted strings"
    ),
    (
        #"{"outbox_entries": [{"to": ["coder"], "payload": {"text": "Build it"}, "meta": {"urgent": True, "done": False, "owner": None}}]}"#,
        "Python's True, False or None"
    ),
    (
        "{\"outbox_entries\": [{\"to\": [\"coder\"], \"payload\": {\"text\": \"Build it\"}}], \"notes\": \"line one\nline\ttwo\"}",
        "raw line breaks or tabs"
    ),
    (
        #"{“outbox_entries”: [{“to”: [“coder”], “payload”: {“text”: “Build it”}}], “notes”: “It’s delegated”}"#,
        "typographic quotes"
    ),
    (#"{"outbox_entries": [{"to": ["coder"], "payload": {"text": "Build it"}}], "notes": "it\'s done"}"#, "escapes"),
])
func defectsOfModelJSONAreRepairedAndNamed(text: String, repair: String) throws {
    let reply = parseReply(text)
    let entry = try #require(reply.entries.first)
    #expect(entry.payload["text"] == "Build it")
    #expect(entry.recipients == ["coder"])
    #expect(reply.codes == ["json_repaired"])
    let violation = try #require(reply.violations.first)
    #expect(violation.message.contains(repair))
    #expect(violation.isMild)
}

@Test func repairedValuesKeepTheirMeaning() throws {
    let reply = parseReply(
        #"{'memory_updates': [{'key': 'flags', 'value': {'done': True, 'blocked': False, 'owner': None, 'path': 'C:\Users\me', 'q': "it\'s"}}]}"#
    )
    let update = try #require(reply.memoryUpdates.first)
    #expect(update.value == ["done": true, "blocked": false, "owner": .null, "path": #"C:\Users\me"#, "q": "it's"])
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains("single-quoted strings"))
    #expect(message.contains("True"))
    #expect(message.contains("escapes"))
}

@Test func strictJSONHasNoRepairsAndOtherQuotesInsideStringsAreText() {
    let reply = parseReply(#"{"notes": "“quoted” and 'single', // not a comment, # nor this, True"}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.notes == "“quoted” and 'single', // not a comment, # nor this, True")
}

// MARK: - Which object is the reply

@Test(arguments: [
    // Drafts, then the answer: the last reply-shaped object.
    (#"Draft: {"notes": "draft"} Final: {"notes": "final"}"#, "final", 1),
    ("```json\n{\"notes\": \"first\"}\n```\nFixed:\n```json\n{\"notes\": \"final\"}\n```", "final", 1),
    (#"{"notes": "a"} {"notes": "b"} {"notes": "final"}"#, "final", 2),
    // An example entry (not reply-shaped) is never the reply, before or after it.
    (#"An entry looks like {"kind": "message", "payload": {"text": "x"}}. Mine: {"notes": "final"}"#, "final", 0),
    (#"{"notes": "final"} (an entry would be {"kind": "message", "payload": {}})"#, "final", 0),
    // Reasoning is skipped, whatever objects it holds.
    ("<think>Maybe {\"notes\": \"draft\"}? No.</think>\n{\"notes\": \"final\"}", "final", 0),
    ("<thinking>{\"notes\": \"draft\"}</thinking>\n\n```json\n{\"notes\": \"final\"}\n```", "final", 0),
    ("<think>a</think><reasoning>{\"notes\": \"draft\"}</reasoning>{\"notes\": \"final\"}", "final", 0),
    // A template put <think> in the prompt: the reply starts inside the reasoning.
    ("I should answer {\"notes\": \"draft\"} or so.\n</think>\n{\"notes\": \"final\"}", "final", 0),
])
func theLastReplyShapedObjectIsTheReply(text: String, notes: String, drafts: Int) {
    let reply = parseReply(text)
    #expect(reply.notes == notes)
    #expect(reply.codes == (drafts > 0 ? ["several_objects"] : []))
}

@Test func aReplyHoldingOnlyReasoningHasNoAnswer() throws {
    let reply = parseReply("<think>I will answer {\"notes\": \"draft\"} once I have thought it through")
    #expect(reply.codes == ["not_json"])
    #expect(reply.notes == nil)
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains("only reasoning"))
}

@Test func aReplyThatIsAThinkTagInsideItsJSONIsReadWhole() {
    let reply = parseReply(#"{"notes": "the closing tag is </think>"}"#)
    #expect(reply.notes == "the closing tag is </think>")
    #expect(reply.violations.isEmpty)
}

@Test func withNoReplyShapedObjectTheFirstObjectIsTheReply() {
    let reply = parseReply(#"Here: {"thoughts": "x"} and {"other": 1}"#)
    #expect(reply.codes == ["unknown_field"])
    #expect(reply.fields == ["thoughts"])
}

@Test func anEntryOfABrokenReplyIsNeverTakenForTheReply() throws {
    // A missing comma no repair covers: the reply is not JSON, not its first entry.
    let reply = parseReply(#"{"outbox_entries": [{"kind": "response", "payload": {"text": "pong"}}] "notes": "x"}"#)
    #expect(reply.codes == ["not_json"])
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains("expected ',' or '}'"))
}

// MARK: - Cut off

@Test(arguments: [
    #"{"outbox_entries": [{"kind": "response", "to": ["human"], "payload": {"text": "po"#,
    #"{"outbox_entries": [{"kind": "response", "payload": {"text": "pong"}}, {"kind": "mess"#,
    #"{"notes": "unterminated"#,
    #"{"notes": "done", "tool_calls": [{"tool": "calculator", "args": {"expression": "1 + "#,
    #"{"notes": tr"#,
    #"{"notes": "\u00"#,
    "{\"notes\": \"a\" /* a comment that never ends",
    // The final answer is cut off after a complete draft: the draft is not the answer.
    #"Draft: {"notes": "draft"} Final: {"outbox_entries": [{"payload": {"text": "cut"#,
])
func aReplyCutOffInsideItsObjectIsTruncatedNotRepaired(text: String) {
    let reply = parseReply(text)
    #expect(reply.codes == ["truncated"])
    #expect(reply.isTruncated)
    #expect(!reply.hasActions)
    #expect(reply.notes == nil)
}

@Test(arguments: ["}{", "Sure {", #"{"notes": "ok"} and then {"#])
func aLoneBraceIsNotATruncatedReply(text: String) {
    #expect(!parseReply(text).isTruncated)
}

// MARK: - Tool calls in other shapes

@Test(arguments: [
    #"{"tool": "file_read", "args": "{\"path\": \"a.txt\"}"}"#,
    #"{"tool": "file_read", "args": " {'path': 'a.txt',} "}"#,
    #"{"tool": "file_read", "arguments": {"path": "a.txt"}}"#,
    #"{"name": "file_read", "args": {"path": "a.txt"}}"#,
    #"{"name": "file_read", "arguments": "{\"path\": \"a.txt\"}"}"#,
    #"{"id": "call_1", "type": "function", "function": {"name": "file_read", "arguments": "{\"path\":\"a.txt\"}"}}"#,
])
func toolCallsInOtherShapesAreReadWithAMildViolation(call: String) throws {
    let reply = parseReply(#"{"tool_calls": [\#(call)]}"#)
    #expect(reply.toolCalls == [ToolCall(tool: "file_read", arguments: ["path": "a.txt"])])
    #expect(!reply.violations.isEmpty)
    #expect(reply.violations.allSatisfy { $0.isMild })
    #expect(reply.fields.allSatisfy { $0.hasPrefix("tool_calls[0].") })
}

@Test func anEmptyArgumentsStringIsNoArguments() {
    let reply = parseReply(#"{"tool_calls": [{"name": "memory_list", "arguments": ""}]}"#)
    #expect(reply.toolCalls == [ToolCall(tool: "memory_list")])
}

@Test(arguments: [
    (#""notes.txt""#, "a string that is not a JSON object"),
    (#""[1, 2]""#, "a string that is not a JSON object"),
    (#""{\"path\": \"a\"} and more""#, "a string that is not a JSON object"),
    (#""{\"path\": ""#, "a string that is not a JSON object"),
    ("[1]", "got an array"),
    ("7", "got an integer"),
])
func argsThatAreNoObjectDropTheCallAndSaySo(args: String, problem: String) throws {
    let reply = parseReply(#"{"tool_calls": [{"tool": "file_write", "args": \#(args)}]}"#)
    #expect(reply.toolCalls.isEmpty)
    #expect(reply.codes == ["invalid_tool_call"])
    #expect(reply.fields == ["tool_calls[0].args"])
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains(problem))
    #expect(message.contains("file_write"))
    #expect(message.hasSuffix("call not run"))
}

// MARK: - Depth at the door

private func nested(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
}

@Test(arguments: [
    (#"{"outbox_entries": [{"payload": {"v": VALUE}}]}"#, "outbox_entries[0].payload"),
    (#"{"outbox_entries": [{"payload": {"text": "x"}, "meta": {"v": VALUE}}]}"#, "outbox_entries[0].meta"),
    (#"{"tool_calls": [{"tool": "memory_write", "args": {"key": "k", "value": VALUE}}]}"#, "tool_calls[0].args"),
    (#"{"memory_updates": [{"key": "k", "value": VALUE}]}"#, "memory_updates[0].value"),
])
func valuesDeeperThanTheLimitAreRefusedNamingTheField(template: String, field: String) throws {
    var limits = OrgConfig.ReplyLimits()
    limits.maxValueDepth = 8
    // The value holding VALUE is one level, so VALUE may nest 7 levels (8 for a memory value).
    let allowed = field.hasSuffix(".value") ? 8 : 7
    let accepted = parseReply(template.replacing("VALUE", with: nested(allowed)), limits: limits)
    #expect(accepted.violations.isEmpty)
    #expect(accepted.hasActions)

    let refused = parseReply(template.replacing("VALUE", with: nested(allowed + 1)), limits: limits)
    #expect(refused.codes == ["too_deep"])
    #expect(refused.fields == [field])
    let message = try #require(refused.violations.first?.message)
    #expect(message.contains("nested 9 levels deep; the limit is 8"))
    if field.hasSuffix(".meta") {
        #expect(refused.entries.first?.meta == JSONObject())
    } else {
        #expect(!refused.hasActions)
    }
}

@Test func theDefaultValueDepthLimitIsThirtyTwo() {
    #expect(OrgConfig.ReplyLimits().maxValueDepth == 32)
    #expect(parseReply(#"{"memory_updates": [{"key": "k", "value": \#(nested(32))}]}"#).violations.isEmpty)
    #expect(parseReply(#"{"memory_updates": [{"key": "k", "value": \#(nested(33))}]}"#).codes == ["too_deep"])
}
