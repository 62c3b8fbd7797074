import LemmingJSON
import Testing

@testable import LemmingCore

/// Parses a reply with the default limits.
func parseReply(_ text: String, limits: OrgConfig.ReplyLimits = OrgConfig.ReplyLimits()) -> ParsedReply {
    ReplyParser(limits: limits).parse(text)
}

extension ParsedReply {
    var codes: [String] { violations.map(\.code) }
    var fields: [String] { violations.map(\.field) }
}

// MARK: - Finding the object

@Test func readsABareObject() {
    let reply = parseReply(#"{"notes": "hello"}"#)
    #expect(reply.notes == "hello")
    #expect(reply.violations.isEmpty)
    #expect(!reply.hasActions)
}

@Test(arguments: [
    #"Sure, here it is: {"notes": "found"} Hope that helps."#,
    "I think {this} is it:\n{\"notes\": \"found\"}\nand {that}.",
    "```json\n{\"notes\": \"found\"}\n```",
    "Here you go:\n\n```json\n{\"notes\": \"found\"}\n```\nBye.",
    "```\n{\"notes\": \"found\"}\n```",
    "```python\nprint('{')\n```\nthen\n```json\n{\"notes\": \"found\"}\n```",
    "Prose with ``` an unclosed fence and {\"notes\": \"found\"}",
    "  \n\t{\"notes\": \"found\"}\n\n",
])
func findsTheObjectInsideProseAndFences(text: String) {
    let reply = parseReply(text)
    #expect(reply.notes == "found")
    #expect(reply.violations.isEmpty)
}

@Test(arguments: [
    ("[1, 2]", "an array"),
    (#"[{"notes": "x"}]"#, "an array"),
    (#""just a string""#, "a string"),
    ("42", "an integer"),
    ("null", "null"),
    ("true", "a boolean"),
])
func nonObjectJSONIsNotObject(text: String, typeName: String) throws {
    let reply = parseReply(text)
    #expect(reply.codes == ["not_object"])
    let message = try #require(reply.violations.first?.message)
    #expect(message.contains(typeName))
    #expect(!reply.hasActions)
    #expect(reply.notes == nil)
}

@Test(arguments: [
    ("I could not decide what to do.", "no JSON object found in the reply"),
    ("{this is not json}", "no valid JSON object in the reply (expected a key at byte 1, in the object at byte 0)"),
    (
        "```json\n{\"notes\": \n```",
        "no valid JSON object in the reply (unexpected character at byte 19, in the object at byte 8)"
    ),
    ("}{", "no valid JSON object in the reply (expected a key at byte 2, in the object at byte 1)"),
])
func textWithoutAnObjectIsNotJSON(text: String, message: String) throws {
    let reply = parseReply(text)
    #expect(reply.codes == ["not_json"])
    #expect(reply.violations.first?.message == message)
    #expect(!reply.hasActions)
    #expect(reply.notes == nil)
}

@Test(arguments: ["", " ", "\n\t \r"])
func emptyReplyIsNotJSON(text: String) {
    let reply = parseReply(text)
    #expect(reply.codes == ["not_json"])
    #expect(reply.violations.first?.message == "the reply is empty")
}

@Test func replyOfOnlyCRLFIsReportedAsEmpty() {
    let reply = parseReply("\r\n")
    #expect(reply.codes == ["not_json"])
    #expect(reply.violations.first?.message == "the reply is empty")
}

@Test func replyOverTheByteLimitIsRejectedWholesale() {
    var limits = OrgConfig.ReplyLimits()
    limits.maxReplyBytes = 1_024
    let prefix = #"{"notes":""#
    let suffix = #""}"#
    let fitting = prefix + String(repeating: "a", count: 1_024 - prefix.utf8.count - suffix.utf8.count) + suffix
    #expect(fitting.utf8.count == 1_024)
    let fits = parseReply(fitting, limits: limits)
    #expect(fits.violations.isEmpty)
    #expect(fits.notes?.count == 1_024 - 12)

    let tooLarge = prefix + String(repeating: "a", count: 1_024 - 11) + suffix
    let rejected = parseReply(tooLarge, limits: limits)
    #expect(rejected.codes == ["reply_too_large"])
    #expect(rejected.notes == nil)
}

@Test func byteLimitCountsUTF8BytesNotCharacters() {
    var limits = OrgConfig.ReplyLimits()
    limits.maxReplyBytes = 1_024
    let text = #"{"notes":""# + String(repeating: "é", count: 600) + #""}"#
    #expect(text.count < 1_024)
    #expect(parseReply(text, limits: limits).codes == ["reply_too_large"])
}

@Test func deeplyNestedRepliesDoNotTrap() {
    for text in [
        String(repeating: "[", count: 10_000),
        String(repeating: "{", count: 10_000),
        String(repeating: #"{"a":"#, count: 10_000),
        "```json\n" + String(repeating: "[", count: 10_000) + "\n```",
    ] {
        let reply = parseReply(text)
        #expect(reply.violations.count == 1)
        #expect(reply.codes == ["not_json"])
    }
}

// MARK: - Top-level fields

@Test func unknownTopLevelKeysAreReportedAndIgnored() {
    let reply = parseReply(#"{"thoughts": "...", "notes": "n", "outbox": []}"#)
    #expect(reply.notes == "n")
    #expect(reply.codes == ["unknown_field", "unknown_field"])
    #expect(reply.fields == ["thoughts", "outbox"])
}

@Test(arguments: ["outbox_entries", "tool_calls", "memory_updates"])
func nonArrayListsAreInvalidFields(key: String) {
    for value in [#"{}"#, #""x""#, "5", "true"] {
        let reply = parseReply(#"{"\#(key)": \#(value), "notes": "kept"}"#)
        #expect(reply.codes == ["invalid_field"])
        #expect(reply.fields == [key])
        #expect(reply.notes == "kept")
        #expect(!reply.hasActions)
    }
}

@Test func nullListsAndNullNotesAreAbsent() {
    let reply = parseReply(#"{"outbox_entries": null, "tool_calls": null, "memory_updates": null, "notes": null}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.notes == nil)
}

@Test func emptyObjectIsAValidReplyWithNothingToDo() {
    let reply = parseReply("{}")
    #expect(reply == ParsedReply())
}

@Test(arguments: [
    ("5", "5"),
    ("true", "true"),
    (#"{"a": 1}"#, #"{"a":1}"#),
    (#"["x"]"#, #"["x"]"#),
])
func nonStringNotesAreKeptAsTextWithAViolation(value: String, kept: String) {
    let reply = parseReply(#"{"notes": \#(value)}"#)
    #expect(reply.notes == kept)
    #expect(reply.codes == ["invalid_notes"])
    #expect(reply.fields == ["notes"])
}

@Test func notesOverTheLimitAreCut() throws {
    let parser = ReplyParser(limits: OrgConfig.ReplyLimits())
    let limit = parser.maxNotesCharacters
    let exact = parser.parse(#"{"notes": "\#(String(repeating: "n", count: limit))"}"#)
    #expect(exact.violations.isEmpty)
    #expect(exact.notes?.count == limit)

    let long = parser.parse(#"{"notes": "\#(String(repeating: "😀", count: limit + 1))"}"#)
    #expect(long.codes == ["notes_too_long"])
    let notes = try #require(long.notes)
    #expect(notes.count == limit)
    #expect(notes.allSatisfy { $0 == "😀" })
}

// MARK: - Per-turn caps

@Test func entriesBeyondThePerTurnCapAreDroppedWithOneViolation() {
    var limits = OrgConfig.ReplyLimits()
    limits.maxEntriesPerTurn = 3
    let items = (0..<6).map { #"{"payload": {"text": "e\#($0)"}}"# }.joined(separator: ",")
    let reply = parseReply(#"{"outbox_entries": [\#(items)]}"#, limits: limits)
    #expect(reply.entries.map(\.payload["text"]) == ["e0", "e1", "e2"])
    #expect(reply.codes == ["too_many_entries"])
    #expect(reply.fields == ["outbox_entries[3]"])
}

@Test func invalidEntriesDoNotCountAgainstThePerTurnCap() {
    var limits = OrgConfig.ReplyLimits()
    limits.maxEntriesPerTurn = 2
    let reply = parseReply(
        #"{"outbox_entries": ["bad", {"payload": {"text": "a"}}, 7, {"payload": {"text": "b"}}]}"#, limits: limits)
    #expect(reply.entries.map(\.payload["text"]) == ["a", "b"])
    #expect(reply.codes == ["invalid_entry", "invalid_entry"])
    #expect(reply.fields == ["outbox_entries[0]", "outbox_entries[2]"])
}

@Test func defaultCapsApplyToToolCallsAndMemoryUpdates() {
    let limits = OrgConfig.ReplyLimits()
    let calls = (0..<(limits.maxToolCallsPerTurn + 2)).map { _ in #"{"tool": "t"}"# }.joined(separator: ",")
    let updates = (0..<(limits.maxMemoryUpdatesPerTurn + 5)).map { #"{"key": "k\#($0)", "value": \#($0)}"# }
        .joined(separator: ",")
    let reply = parseReply(#"{"tool_calls": [\#(calls)], "memory_updates": [\#(updates)]}"#)
    #expect(reply.toolCalls.count == limits.maxToolCallsPerTurn)
    #expect(reply.memoryUpdates.count == limits.maxMemoryUpdatesPerTurn)
    #expect(reply.memoryUpdates.last?.key == "k\(limits.maxMemoryUpdatesPerTurn - 1)")
    #expect(reply.codes == ["too_many_tool_calls", "too_many_memory_updates"])
    #expect(
        reply.fields == [
            "tool_calls[\(limits.maxToolCallsPerTurn)]", "memory_updates[\(limits.maxMemoryUpdatesPerTurn)]",
        ])
}

@Test func defaultEntryCapIsTwenty() {
    let items = (0..<25).map { #"{"text": "e\#($0)"}"# }.joined(separator: ",")
    let reply = parseReply(#"{"outbox_entries": [\#(items)]}"#)
    #expect(reply.entries.count == 20)
    #expect(reply.codes.filter { $0 == "too_many_entries" }.count == 1)
}
