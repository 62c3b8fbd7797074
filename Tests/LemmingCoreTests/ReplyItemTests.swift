import LemmingJSON
import Testing

@testable import LemmingCore

// MARK: - Tool calls

private func parseToolCalls(_ items: String) -> ParsedReply {
    parseReply(#"{"tool_calls": [\#(items)]}"#)
}

@Test func readsToolCalls() {
    let reply = parseToolCalls(
        #"{"tool": "file_write", "args": {"path": "a.md", "content": "x"}}, {"tool": "mcp.web-search"}, {"tool": "t", "args": null}"#
    )
    #expect(reply.violations.isEmpty)
    #expect(
        reply.toolCalls == [
            ToolCall(tool: "file_write", arguments: ["path": "a.md", "content": "x"]),
            ToolCall(tool: "mcp.web-search"),
            ToolCall(tool: "t"),
        ])
}

@Test(arguments: [#""file_write""#, "5", "null", "[]", "true"])
func nonObjectToolCallsAreDropped(item: String) {
    let reply = parseToolCalls(item)
    #expect(reply.toolCalls.isEmpty)
    #expect(reply.codes == ["invalid_tool_call"])
    #expect(reply.fields == ["tool_calls[0]"])
}

@Test(arguments: [
    #"{"args": {}}"#, #"{"tool": 5}"#, #"{"tool": ""}"#, #"{"tool": "File_Write"}"#, #"{"tool": "rm -rf"}"#,
    #"{"tool": "../bin/sh"}"#, #"{"tool": "_x"}"#, #"{"tool": null}"#,
    #"{"tool": "\#(String(repeating: "t", count: 201))"}"#,
])
func toolCallsWithoutAValidToolNameAreDropped(item: String) {
    let reply = parseToolCalls(item)
    #expect(reply.toolCalls.isEmpty)
    #expect(reply.codes == ["invalid_tool_call"])
    #expect(reply.fields == ["tool_calls[0].tool"])
}

@Test(arguments: [#""path=a""#, "[1, 2]", "7", "false"])
func nonObjectArgumentsDropTheCall(args: String) {
    let reply = parseToolCalls(#"{"tool": "file_read", "args": \#(args)}, {"tool": "ok"}"#)
    #expect(reply.toolCalls == [ToolCall(tool: "ok")])
    #expect(reply.codes == ["invalid_tool_call"])
    #expect(reply.fields == ["tool_calls[0].args"])
}

// MARK: - Memory updates

private func parseUpdates(_ items: String) -> ParsedReply {
    parseReply(#"{"memory_updates": [\#(items)]}"#)
}

@Test func readsEveryOperation() {
    let reply = parseUpdates(
        #"""
        {"key": "plan", "op": "set", "value": {"step": 1}},
        {"key": "log", "op": "append", "value": "line"},
        {"key": "facts", "op": "merge", "value": {"a": 1}},
        {"key": "old", "op": "delete"},
        {"key": "Mixed-Case_9", "value": [1]},
        {"key": "nulled", "op": null, "value": null}
        """#)
    #expect(reply.violations.isEmpty)
    #expect(
        reply.memoryUpdates == [
            MemoryUpdate(key: "plan", operation: .set, value: ["step": 1]),
            MemoryUpdate(key: "log", operation: .append, value: "line"),
            MemoryUpdate(key: "facts", operation: .merge, value: ["a": 1]),
            MemoryUpdate(key: "old", operation: .delete),
            MemoryUpdate(key: "Mixed-Case_9", operation: .set, value: [1]),
            MemoryUpdate(key: "nulled", operation: .set, value: .null),
        ])
}

@Test func longestValidKeyIsAccepted() {
    let key = String(repeating: "k", count: 128)
    let reply = parseUpdates(#"{"key": "\#(key)", "value": 1}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.memoryUpdates.first?.key == key)
}

@Test(arguments: [
    #""../x""#, #""a/b""#, #""""#, #""a b""#, #""a.json""#, #""é""#, #""\u0000""#, "5", "null", #"["k"]"#,
    #""\#(String(repeating: "k", count: 129))""#,
])
func invalidMemoryKeysDropTheUpdate(key: String) {
    let reply = parseUpdates(#"{"key": \#(key), "value": 1}, {"key": "fine", "value": 2}"#)
    #expect(reply.memoryUpdates == [MemoryUpdate(key: "fine", operation: .set, value: 2)])
    #expect(reply.codes == ["invalid_memory_key"])
    #expect(reply.fields == ["memory_updates[0].key"])
}

@Test func missingKeyIsAnInvalidKey() {
    let reply = parseUpdates(#"{"value": 1}"#)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.codes == ["invalid_memory_key"])
    #expect(reply.violations.first?.message.contains("got nothing") == true)
}

@Test(arguments: [#""write""#, #""SET""#, #""""#, "1", #"["set"]"#])
func unknownOperationsDropTheUpdate(op: String) {
    let reply = parseUpdates(#"{"key": "k", "op": \#(op), "value": 1}"#)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.codes == ["invalid_memory_op"])
    #expect(reply.fields == ["memory_updates[0].op"])
}

@Test(arguments: ["set", "append", "merge"])
func operationsOtherThanDeleteNeedAValue(op: String) {
    let reply = parseUpdates(#"{"key": "k", "op": "\#(op)"}"#)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.codes == ["invalid_memory_update"])
    #expect(reply.fields == ["memory_updates[0].value"])
}

@Test(arguments: ["1", #""text""#, "[1]", "null", "true"])
func mergeWithANonObjectValueIsDropped(value: String) {
    let reply = parseUpdates(#"{"key": "k", "op": "merge", "value": \#(value)}"#)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.codes == ["memory_merge_type"])
    #expect(reply.fields == ["memory_updates[0].value"])
}

@Test func deleteIgnoresAnyValue() {
    let reply = parseUpdates(#"{"key": "k", "op": "delete", "value": [1, 2]}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.memoryUpdates.map(\.operation) == [.delete])
}

@Test(arguments: [#""plan""#, "3", "[]", "null"])
func nonObjectMemoryUpdatesAreDropped(item: String) {
    let reply = parseUpdates(item)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.codes == ["invalid_memory_update"])
    #expect(reply.fields == ["memory_updates[0]"])
}

// MARK: - All three lists together

@Test func everyDefectIsReportedAndEveryValidItemKept() {
    let reply = parseReply(
        #"""
        Thinking... here is my reply:
        ```json
        {
          "outbox_entries": [{"payload": {"text": "hi"}}, {"payload": 1}],
          "tool_calls": [{"tool": "file_read", "args": {"path": "x"}}, {"tool": "Bad"}],
          "memory_updates": [{"key": "../etc", "value": 1}, {"key": "ok", "op": "append", "value": 2}],
          "notes": "done",
          "mood": "good"
        }
        ```
        """#)
    #expect(reply.entries == [DraftEntry(payload: ["text": "hi"])])
    #expect(reply.toolCalls == [ToolCall(tool: "file_read", arguments: ["path": "x"])])
    #expect(reply.memoryUpdates == [MemoryUpdate(key: "ok", operation: .append, value: 2)])
    #expect(reply.notes == "done")
    #expect(reply.codes == ["unknown_field", "invalid_entry", "invalid_tool_call", "invalid_memory_key"])
    #expect(
        reply.fields == ["mood", "outbox_entries[1].payload", "tool_calls[1].tool", "memory_updates[0].key"])
}

@Test func parsedReplyJSONHasTheDocumentedShape() throws {
    let reply = parseReply(
        #"{"outbox_entries": [{"payload": {"text": "a"}, "to": "b"}], "tool_calls": [{"tool": "t"}], "notes": "n"}"#)
    let expected = #"""
        {"outbox_entries":[{"kind":"message","payload":{"text":"a"},"to":["b"],"priority":"normal","reply_to":null,"tags":[],"meta":{}}],"tool_calls":[{"tool":"t","args":{}}],"memory_updates":[],"notes":"n"}
        """#
    #expect(reply.json.compactText == expected)
    let violation = ContractViolation("invalid_kind", field: "outbox_entries[0].kind", "bad")
    #expect(violation.description == "invalid_kind at outbox_entries[0].kind: bad")
    #expect(ContractViolation("not_json", "empty").description == "not_json: empty")
}
