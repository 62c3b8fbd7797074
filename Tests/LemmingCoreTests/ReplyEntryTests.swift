import LemmingJSON
import Testing

@testable import LemmingCore

/// Parses a reply holding exactly the given outbox entry items.
private func parseEntries(_ items: String, limits: OrgConfig.ReplyLimits = OrgConfig.ReplyLimits()) -> ParsedReply {
    parseReply(#"{"outbox_entries": [\#(items)]}"#, limits: limits)
}

@Test func readsACompleteEntry() throws {
    let reply = parseEntries(
        #"""
        {"kind": "report", "payload": {"text": "done", "files": 2}, "to": ["planner", "human", "planner"],
         "priority": "urgent", "reply_to": "00000041-human-01", "tags": ["x", "y"], "meta": {"m": [1]}}
        """#)
    #expect(reply.violations.isEmpty)
    let entry = try #require(reply.entries.first)
    #expect(
        entry
            == DraftEntry(
                kind: "report", payload: ["text": "done", "files": 2], recipients: ["planner", "human"],
                priority: .urgent, replyTo: "00000041-human-01", tags: ["x", "y"], meta: ["m": [1]]))
    #expect(entry.payload.keys == ["text", "files"])
}

@Test func minimalEntryGetsDefaults() throws {
    let reply = parseEntries(#"{"payload": {"text": "hi"}}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.entries == [DraftEntry(payload: ["text": "hi"])])
    let entry = try #require(reply.entries.first)
    #expect(entry.kind == "message")
    #expect(entry.recipients == nil)
    #expect(entry.priority == .normal)
}

@Test func nullOptionalFieldsAreDefaultsWithoutViolations() {
    let reply = parseEntries(
        #"{"payload": {"text": "hi"}, "kind": null, "to": null, "priority": null, "reply_to": null, "tags": null, "meta": null}"#
    )
    #expect(reply.violations.isEmpty)
    #expect(reply.entries == [DraftEntry(payload: ["text": "hi"])])
}

// MARK: - Payload shapes

@Test func stringPayloadIsWrapped() {
    let reply = parseEntries(#"{"payload": "hello"}"#)
    #expect(reply.entries == [DraftEntry(payload: ["text": "hello"])])
    #expect(reply.codes == ["payload_shape"])
    #expect(reply.fields == ["outbox_entries[0].payload"])
}

@Test func textShorthandBecomesThePayload() {
    for item in [#"{"text": "hello"}"#, #"{"text": "hello", "payload": null}"#] {
        let reply = parseEntries(item)
        #expect(reply.entries == [DraftEntry(payload: ["text": "hello"])])
        #expect(reply.codes == ["payload_shape"])
        #expect(reply.fields == ["outbox_entries[0].text"])
    }
}

@Test func textNextToAnObjectPayloadIsIgnored() {
    let reply = parseEntries(#"{"payload": {"text": "kept"}, "text": "ignored"}"#)
    #expect(reply.entries == [DraftEntry(payload: ["text": "kept"])])
    #expect(reply.codes == ["payload_shape"])
    #expect(reply.fields == ["outbox_entries[0].text"])
}

@Test(arguments: [
    (#"{"payload": 5}"#, "outbox_entries[0].payload"),
    (#"{"payload": ["a"]}"#, "outbox_entries[0].payload"),
    (#"{"payload": true}"#, "outbox_entries[0].payload"),
    (#"{"kind": "message"}"#, "outbox_entries[0].payload"),
    (#"{"payload": null}"#, "outbox_entries[0].payload"),
    (#"{"text": 5}"#, "outbox_entries[0].payload"),
    ("{}", "outbox_entries[0].payload"),
    (#""just text""#, "outbox_entries[0]"),
    ("42", "outbox_entries[0]"),
    ("[]", "outbox_entries[0]"),
    ("null", "outbox_entries[0]"),
])
func entriesWithoutAUsablePayloadAreDropped(item: String, field: String) {
    let reply = parseEntries(item)
    #expect(reply.entries.isEmpty)
    #expect(reply.codes == ["invalid_entry"])
    #expect(reply.fields == [field])
}

// MARK: - Recipients

@Test(arguments: [
    (#""planner""#, ["planner"]),
    (#"["a", "b"]"#, ["a", "b"]),
    (#"["b", "a", "b", "a"]"#, ["b", "a"]),
    (#"["human"]"#, ["human"]),
    (#"["a_1"]"#, ["a_1"]),
])
func recipientsAreReadFromAStringOrAList(to: String, expected: [String]) {
    let reply = parseEntries(#"{"payload": {"text": "x"}, "to": \#(to)}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.first?.recipients == expected)
}

@Test(arguments: [
    "5", "true", #"{"name": "a"}"#, "[]", #"["ok", 5]"#, #"["ok", null]"#, #"["Planner"]"#, #""Planner""#, #""""#,
    #"["*"]"#, #""*""#, #"["a-b"]"#, #"["../x"]"#, #"["ok", "not ok"]"#,
    #""\#(String(repeating: "a", count: 65))""#,
])
func invalidRecipientsDropTheEntry(to: String) {
    let reply = parseEntries(#"{"payload": {"text": "x"}, "to": \#(to)}, {"payload": {"text": "y"}}"#)
    #expect(reply.entries == [DraftEntry(payload: ["text": "y"])])
    #expect(reply.codes == ["invalid_recipients"])
    #expect(reply.fields == ["outbox_entries[0].to"])
}

// MARK: - Fields that fall back to their default

@Test(arguments: [
    #""Report""#, "5", #""""#, #""two words""#, #""1st""#, #"["message"]"#,
    #""\#(String(repeating: "k", count: 33))""#,
])
func invalidKindFallsBackToMessage(kind: String) {
    let reply = parseEntries(#"{"kind": \#(kind), "payload": {"text": "x"}}"#)
    #expect(reply.entries == [DraftEntry(payload: ["text": "x"])])
    #expect(reply.codes == ["invalid_kind"])
    #expect(reply.fields == ["outbox_entries[0].kind"])
}

@Test func unknownButWellFormedKindsAreKept() {
    let kind = String(repeating: "k", count: 32)
    let reply = parseEntries(#"{"kind": "\#(kind)", "payload": {}}, {"kind": "approval_request", "payload": {}}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.map(\.kind) == [kind, "approval_request"])
}

@Test(arguments: [#""high""#, #""URGENT""#, "1", #"["urgent"]"#])
func invalidPriorityFallsBackToNormal(priority: String) {
    let reply = parseEntries(#"{"priority": \#(priority), "payload": {"text": "x"}}"#)
    #expect(reply.entries.first?.priority == .normal)
    #expect(reply.codes == ["invalid_priority"])
    #expect(reply.fields == ["outbox_entries[0].priority"])
}

@Test(arguments: Priority.allCases)
func everyPriorityIsAccepted(priority: Priority) {
    let reply = parseEntries(#"{"priority": "\#(priority.rawValue)", "payload": {}}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.first?.priority == priority)
}

@Test(arguments: [#""abc""#, "42", #""00000042-Manager-01""#, #""42-manager-1""#, #"{"id": "x"}"#])
func invalidReplyToIsIgnored(replyTo: String) {
    let reply = parseEntries(#"{"reply_to": \#(replyTo), "payload": {"text": "x"}}"#)
    #expect(reply.entries.count == 1)
    #expect(reply.entries.first?.replyTo == nil)
    #expect(reply.codes == ["invalid_reply_to"])
    #expect(reply.fields == ["outbox_entries[0].reply_to"])
}

@Test func invalidTagsAreDroppedOneByOne() {
    let long = String(repeating: "t", count: 65)
    let reply = parseEntries(#"{"tags": ["a", 5, "", "\#(long)", "b", null], "payload": {}}"#)
    #expect(reply.entries.first?.tags == ["a", "b"])
    #expect(reply.codes == ["invalid_tags"])
    #expect(reply.fields == ["outbox_entries[0].tags"])
}

@Test func moreThanSixteenTagsAreCut() {
    let tags = (0..<20).map { #""t\#($0)""# }.joined(separator: ",")
    let reply = parseEntries(#"{"tags": [\#(tags)], "payload": {}}"#)
    #expect(reply.entries.first?.tags == (0..<16).map { "t\($0)" })
    #expect(reply.codes == ["invalid_tags"])
}

@Test func nonArrayTagsBecomeEmpty() {
    let reply = parseEntries(#"{"tags": "urgent", "payload": {}}"#)
    #expect(reply.entries.first?.tags == [])
    #expect(reply.codes == ["invalid_tags"])
}

@Test func nonObjectMetaIsIgnored() {
    let reply = parseEntries(#"{"meta": [1], "payload": {}}"#)
    #expect(reply.entries.first?.meta == JSONObject())
    #expect(reply.codes == ["invalid_meta"])
    #expect(reply.fields == ["outbox_entries[0].meta"])
}

@Test func unknownEntryKeysAreReportedAndTheEntryKept() {
    let reply = parseEntries(#"{"payload": {}, "recipient": "a", "urgency": 3}"#)
    #expect(reply.entries == [DraftEntry(payload: [:])])
    #expect(reply.codes == ["unknown_field", "unknown_field"])
    #expect(reply.fields == ["outbox_entries[0].recipient", "outbox_entries[0].urgency"])
}

// MARK: - Size

@Test func entryOverTheByteLimitIsDropped() throws {
    var limits = OrgConfig.ReplyLimits()
    limits.maxEntryBytes = 300
    let overhead = JSONWriter(style: .compact).bytes(DraftEntry(payload: ["text": ""]).json).count
    let fitting = String(repeating: "f", count: limits.maxEntryBytes - overhead)
    let tooLarge = String(repeating: "g", count: limits.maxEntryBytes - overhead + 1)
    let reply = parseEntries(
        #"{"payload": {"text": "\#(tooLarge)"}}, {"payload": {"text": "\#(fitting)"}}"#, limits: limits)
    #expect(reply.entries.count == 1)
    #expect(reply.entries.first?.payload["text"] == .string(fitting))
    #expect(reply.codes == ["entry_too_large"])
    #expect(reply.fields == ["outbox_entries[0]"])
}

@Test func entrySizeIncludesTagsAndMeta() {
    var limits = OrgConfig.ReplyLimits()
    limits.maxEntryBytes = 300
    let meta = String(repeating: "m", count: 250)
    let reply = parseEntries(#"{"payload": {"text": "short"}, "meta": {"blob": "\#(meta)"}}"#, limits: limits)
    #expect(reply.entries.isEmpty)
    #expect(reply.codes == ["entry_too_large"])
}

// MARK: - Valid items survive next to invalid ones

@Test func validEntriesSurviveNextToInvalidOnes() {
    let reply = parseEntries(
        #"""
        {"payload": {"text": "first"}, "to": "a"},
        "garbage",
        {"payload": {"text": "bad to"}, "to": ["Bad"]},
        {"kind": "BAD", "payload": "second", "priority": "high"},
        {"payload": 3},
        {"text": "third", "to": ["b", "c"]}
        """#)
    #expect(
        reply.entries == [
            DraftEntry(payload: ["text": "first"], recipients: ["a"]),
            DraftEntry(payload: ["text": "second"]),
            DraftEntry(payload: ["text": "third"], recipients: ["b", "c"]),
        ])
    #expect(
        reply.codes == [
            "invalid_entry", "invalid_recipients", "payload_shape", "invalid_kind", "invalid_priority", "invalid_entry",
            "payload_shape",
        ])
    #expect(
        reply.fields == [
            "outbox_entries[1]", "outbox_entries[2].to", "outbox_entries[3].payload", "outbox_entries[3].kind",
            "outbox_entries[3].priority", "outbox_entries[4].payload", "outbox_entries[5].text",
        ])
}
