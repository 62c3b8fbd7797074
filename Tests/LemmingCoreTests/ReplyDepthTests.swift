import LemmingJSON
import Testing

@testable import LemmingCore

// Whatever a reply may carry, the engine can store a few levels deeper and read back (issue 11
// item 6, shared/cases/r-deep-approval): the parser's depth limit exceeds the deepest value a config
// may allow plus the embedding margin, and the real state files prove it.

private let ceiling = OrgConfig.ReplyLimits.valueDepthCeiling

/// A value nesting `depth` levels of objects and arrays (0: a scalar).
private func nestedValue(_ depth: Int) -> JSONValue {
    var value: JSONValue = .int(1)
    for level in 0..<depth { value = level.isMultiple(of: 2) ? .array([value]) : .object(["k": value]) }
    return value
}

private func deepestLimits() -> OrgConfig.ReplyLimits {
    var limits = OrgConfig.ReplyLimits()
    limits.maxValueDepth = ceiling
    return limits
}

@Test func theParserReadsEveryAcceptedValueEmbeddedWithTheMargin() {
    #expect(
        JSONParser.maximumDepth
            >= OrgConfig.ReplyLimits.valueDepthCeiling + OrgConfig.ReplyLimits.embeddingDepthMargin + 3,
        "the reply itself adds 3 levels (reply, tool_calls, call) above args")
    #expect(OrgConfig.ReplyLimits().maxValueDepth <= ceiling)
    // A value at the margin reads back; one past the parser's limit does not.
    let margin = OrgConfig.ReplyLimits.embeddingDepthMargin
    #expect(throws: Never.self) { try JSONValue.parse(nestedValue(ceiling + margin).compactText) }
    #expect(throws: JSONParseError.self) { try JSONValue.parse(nestedValue(JSONParser.maximumDepth + 1).compactText) }
}

@Test func argsAtTheDeepestAllowedLevelSurviveAPendingApprovalInAgentsJSON() throws {
    let args = JSONObject([("key", .string("k")), ("value", nestedValue(ceiling - 1))])
    #expect(JSONValue.object(args).nestingDepth == ceiling)
    let text = JSONValue.object(["tool_calls": [["tool": "memory_write", "args": .object(args)]]]).compactText
    let reply = ReplyParser(limits: deepestLimits()).parse(text)
    #expect(reply.violations.isEmpty)
    let call = try #require(reply.toolCalls.first)

    var runtime = AgentRuntime()
    runtime.pendingApprovals = [PendingApproval(requestID: "00000001-a-01", call: call, tick: 1)]
    var runtimes = AgentRuntimes()
    runtimes["a"] = runtime
    let bytes = JSONWriter(style: .pretty).bytes(runtimes.json)
    let readBack = try AgentRuntimes(json: JSONValue.parse(bytes), file: "state/agents.json")
    #expect(readBack == runtimes)

    // The same call, one level deeper, is refused at the door.
    var tooDeep = args
    tooDeep["value"] = nestedValue(ceiling)
    let refused = ReplyParser(limits: deepestLimits()).parse(
        JSONValue.object(["tool_calls": [["tool": "memory_write", "args": .object(tooDeep)]]]).compactText)
    #expect(refused.codes == ["too_deep"])
}

@Test func aMemoryValueAtTheDeepestAllowedLevelSurvivesItsRecord() throws {
    let text = JSONValue.object(["memory_updates": [["key": "k", "op": "append", "value": nestedValue(ceiling)]]])
        .compactText
    let reply = ReplyParser(limits: deepestLimits()).parse(text)
    let update = try #require(reply.memoryUpdates.first)
    // An append stores the value inside a list: one level more.
    let record = MemoryRecord(
        key: "k", value: .array([update.value]), updatedTick: 1, updatedAt: "2026-01-01T00:00:00.000Z",
        operation: .append)
    let bytes = JSONWriter(style: .pretty).bytes(record.json)
    #expect(try MemoryRecord(json: JSONValue.parse(bytes), file: "memory/k.json") == record)
}

@Test func anEntryAtTheDeepestAllowedLevelSurvivesItsFileAndAPageOfEntries() throws {
    let payload = JSONObject([("text", .string("x")), ("data", nestedValue(ceiling - 1))])
    var limits = deepestLimits()
    limits.maxEntryBytes = 1_000_000
    let reply = ReplyParser(limits: limits).parse(
        JSONValue.object(["outbox_entries": [["payload": .object(payload), "meta": .object(payload)]]]).compactText)
    #expect(reply.violations.isEmpty)
    let draft = try #require(reply.entries.first)
    let entry = OutboxEntry(
        id: EntryID(tick: 1, agent: "a", sequence: 1), kind: draft.kind, payload: draft.payload,
        createdAt: "2026-01-01T00:00:00.000Z", meta: draft.meta)
    let bytes = JSONWriter(style: .pretty).bytes(entry.json)
    #expect(try OutboxEntry(json: JSONValue.parse(bytes), file: "outbox/00000001-a-01.json") == entry)
    let page: JSONValue = ["entries": [entry.json], "next": .null]
    #expect(try JSONValue.parse(JSONWriter(style: .compact).bytes(page)) == page)
}
