import LemmingJSON
import Testing

@testable import LemmingCore

private func parseConfig(_ text: String) -> (OrgConfig, [ValidationIssue]) {
    OrgConfig.parse(Array(text.utf8), defaultName: "folder")
}

@Test func emptyObjectGivesTheDefaults() {
    let (config, issues) = parseConfig("{}")
    #expect(issues.isEmpty)
    var expected = OrgConfig(name: "folder")
    expected.document = JSONObject()
    #expect(config == expected)
    #expect(config.format == 1)
    #expect(config.tickPeriodSeconds == 10)
    #expect(config.maxTicks == nil)
    #expect(config.execution == .parallel)
    #expect(config.maxConcurrentTurns == 8)
    #expect(config.inbox == OrgConfig.InboxLimits())
    #expect(config.inbox.maxEntries == 20)
    #expect(config.memory == OrgConfig.MemoryLimits())
    #expect(config.replies == OrgConfig.ReplyLimits())
    #expect(config.outboxRetentionTicks == nil)
}

@Test func readsEverySetting() {
    let (config, issues) = parseConfig(
        #"""
        {"format": 1, "name": "acme", "tick_period_seconds": 0.5, "max_ticks": 100, "execution": "sequential",
         "max_concurrent_turns": 2, "inbox": {"max_entries": 5, "max_characters": 1000},
         "outbox_retention_ticks": 50,
         "memory": {"max_value_bytes": 100, "max_agent_bytes": 1000, "max_keys": 3, "prompt_characters": 0},
         "limits": {"max_reply_bytes": 2048, "max_entries_per_turn": 4, "max_entry_bytes": 512,
                    "max_tool_calls_per_turn": 0, "max_memory_updates_per_turn": 1},
         "loop_detection": {"repeat_limit": 0}, "checkpoint_every_ticks": 4, "tools": {"shell": {"allow": ["ls"]}}}
        """#)
    #expect(issues.isEmpty)
    #expect(config.name == "acme")
    #expect(config.tools.shell.allow == ["ls"])
    #expect(config.tickPeriodSeconds == 0.5)
    #expect(config.maxTicks == 100)
    #expect(config.execution == .sequential)
    #expect(config.maxConcurrentTurns == 2)
    #expect(config.inbox.maxEntries == 5 && config.inbox.maxCharacters == 1_000)
    #expect(config.outboxRetentionTicks == 50)
    #expect(config.memory.maxValueBytes == 100 && config.memory.maxAgentBytes == 1_000)
    #expect(config.memory.maxKeys == 3 && config.memory.promptCharacters == 0)
    #expect(config.replies.maxReplyBytes == 2_048 && config.replies.maxEntriesPerTurn == 4)
    #expect(config.replies.maxEntryBytes == 512 && config.replies.maxToolCallsPerTurn == 0)
    #expect(config.replies.maxMemoryUpdatesPerTurn == 1)
    #expect(config.loopRepeatLimit == 0)
    #expect(config.checkpointEveryTicks == 4)
    #expect(config.document["tools"] == ["shell": ["allow": ["ls"]]])
}

@Test(arguments: [
    (#"{"format": 2}"#, "format", "format"),
    (#"{"format": 0}"#, "format", "range"),
    (#"{"format": "1"}"#, "format", "type"),
    (#"{"name": 5}"#, "name", "type"),
    (#"{"tick_period_seconds": -1}"#, "tick_period_seconds", "range"),
    (#"{"tick_period_seconds": "fast"}"#, "tick_period_seconds", "type"),
    (#"{"max_ticks": 0}"#, "max_ticks", "range"),
    (#"{"max_ticks": 1.5}"#, "max_ticks", "type"),
    (#"{"execution": "fast"}"#, "execution", "enum"),
    (#"{"max_concurrent_turns": 0}"#, "max_concurrent_turns", "range"),
    (#"{"max_concurrent_turns": 5000}"#, "max_concurrent_turns", "range"),
    (#"{"inbox": 5}"#, "inbox", "type"),
    (#"{"inbox": {"max_entries": 0}}"#, "inbox.max_entries", "range"),
    (#"{"inbox": {"max_characters": 99}}"#, "inbox.max_characters", "range"),
    (#"{"outbox_retention_ticks": -1}"#, "outbox_retention_ticks", "range"),
    (#"{"memory": {"max_keys": 0}}"#, "memory.max_keys", "range"),
    (#"{"memory": {"max_value_bytes": "big"}}"#, "memory.max_value_bytes", "type"),
    (#"{"limits": {"max_entries_per_turn": 100}}"#, "limits.max_entries_per_turn", "range"),
    (#"{"limits": {"max_reply_bytes": 1023}}"#, "limits.max_reply_bytes", "range"),
    (#"{"loop_detection": {"repeat_limit": -1}}"#, "loop_detection.repeat_limit", "range"),
    (#"{"checkpoint_every_ticks": 0}"#, "checkpoint_every_ticks", "range"),
])
func eachBadSettingIsOneErrorAndKeepsTheDefault(text: String, field: String, rule: String) {
    let (config, issues) = parseConfig(text)
    #expect(issues.count == 1, "\(issues)")
    #expect(issues.first?.severity == .error)
    #expect(issues.first?.field == field)
    #expect(issues.first?.rule == rule)
    #expect(issues.first?.file == "lemming.json")
    var defaults = config
    defaults.document = JSONObject()
    defaults.format = 1
    #expect(defaults == OrgConfig(name: "folder"))
}

@Test func unknownKeysAreWarningsAtEveryLevel() {
    let (config, issues) = parseConfig(
        #"{"colour": "red", "inbox": {"max_entries": 3, "size": 1}, "memory": {"x": 1}}"#)
    #expect(issues.map(\.severity) == [.warning, .warning, .warning])
    #expect(issues.map(\.field) == ["colour", "inbox.size", "memory.x"])
    #expect(issues.allSatisfy { $0.rule == "unknown_field" })
    #expect(config.inbox.maxEntries == 3)
    #expect(config.document["colour"] == "red")
}

@Test func nullSettingsAreDefaults() {
    let (config, issues) = parseConfig(#"{"name": null, "max_ticks": null, "inbox": null, "execution": null}"#)
    #expect(issues.isEmpty)
    #expect(config.name == "folder")
    #expect(config.maxTicks == nil)
}

@Test(arguments: [("", "json"), ("{", "json"), ("[]", "type"), ("3", "type")])
func unreadableFilesAreOneErrorWithDefaults(text: String, rule: String) {
    let (config, issues) = parseConfig(text)
    #expect(issues.map(\.rule) == [rule])
    #expect(issues.map(\.field) == [""])
    #expect(config == OrgConfig(name: "folder"))
}

@Test func theValueDepthLimitIsReadWithinItsCeiling() {
    #expect(parseConfig(#"{"limits": {"max_value_depth": 12}}"#).0.replies.maxValueDepth == 12)
    let (config, issues) = parseConfig(#"{"limits": {"max_value_depth": 65}}"#)
    #expect(config.replies.maxValueDepth == OrgConfig.ReplyLimits().maxValueDepth)
    #expect(issues.map(\.field) == ["limits.max_value_depth"])
    #expect(parseConfig(#"{"limits": {"max_value_depth": 0}}"#).1.count == 1)
}

@Test func mcpServersAreReadAndTheirToolsMayNeedApproval() {
    let (config, issues) = parseConfig(
        #"""
        {"mcp": {"servers": {
           "time": {"command": ["/usr/bin/mcp-server-time"], "env": {"TZ": "UTC"}, "pass_env": ["TIME_KEY"]},
           "docs": {"url": "https://mcp.example.com/mcp", "headers_env": {"Authorization": "DOCS_TOKEN"},
                    "requires_approval": true, "timeout_seconds": 5}}},
         "tools": {"require_approval": ["mcp.time.*", "mcp.docs.search"]}}
        """#)
    #expect(issues.isEmpty, "\(issues)")
    #expect(config.mcp.servers.map(\.name) == ["docs", "time"])
    #expect(config.mcp["time"]?.transport == .stdio && config.mcp["time"]?.env == ["TZ": "UTC"])
    #expect(config.mcp["docs"]?.transport == .streamableHTTP && config.mcp["docs"]?.timeoutSeconds == 5)
    #expect(config.tools.requireApproval == ["mcp.time.*", "mcp.docs.search"])
}

@Test(arguments: [
    (
        #"{"mcp": {"servers": {"t": {"command": ["x"]}}}, "tools": {"require_approval": ["mcp.other.*"]}}"#,
        "tools.require_approval[0]"
    ),
    (#"{"mcp": {"servers": {"t": {"url": "https://me:secret@example.com/mcp"}}}}"#, "mcp.servers.t.url"),
    (#"{"mcp": {"servers": {"t": {"command": ["x"], "env": {"A=B": "1"}}}}}"#, "mcp.servers.t.env.A=B"),
])
func mcpMistakesAreErrorsNamingTheField(text: String, field: String) {
    let (_, issues) = parseConfig(text)
    #expect(issues.filter(\.isError).map(\.field) == [field], "\(issues)")
}

@Test func mcpFieldsOfTheOtherTransportAreWarnings() {
    let (_, issues) = parseConfig(
        #"{"mcp": {"servers": {"t": {"url": "https://example.com/mcp", "env": {"A": "1"}}, "s": {"command": ["x"], "headers_env": {"A": "B"}, "env": {"PATH": "/x"}}}}}"#
    )
    #expect(issues.allSatisfy { !$0.isError }, "\(issues)")
    #expect(
        Set(issues.map(\.field)) == ["mcp.servers.t.env", "mcp.servers.s.headers_env", "mcp.servers.s.env.PATH"])
}
