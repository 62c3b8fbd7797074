import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct FailureIsolationTests {
    static let models: JSONObject = [
        "sim": ["provider": "scripted", "replies": "replies.jsonl", "price_in_per_mtok": 1.0],
        "broken": ["provider": "cli", "command": ["false"], "cost_per_call": 5.0],
    ]

    @Test func aFailingProviderFailsOnlyItsTurnAndLeavesTheInboxForLater() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("x", reads: ["human"], model: "broken"), TestAgent("y", reads: ["human"])],
            replies: [], models: Self.models)
        defer { org.remove() }
        try await send(org, to: ["x", "y"], "hello both")
        let recorder = EventRecorder()
        let reports = try await run(org, ticks: 2, sinks: [recorder])
        #expect(
            reports.map { $0.turns.map(\.stopReason) } == [
                [.providerFailed, .completed], [.providerFailed, .completed],
            ])
        let records = try org.turnRecords(of: "x")
        #expect(records.map(\.stopReason) == ["provider_failed", "provider_failed"])
        #expect(records.map(\.inboxIDs) == [["00000001-human-01"], ["00000001-human-01"]])
        #expect(records[0]["error"]?.stringValue?.contains("exited with status 1") == true)
        #expect(try org.turnRecords(of: "y").map(\.inboxIDs) == [["00000001-human-01"], []])
        let ledger = try #require(try org.readJSON("state/ledger.json"))
        #expect(ledger["x"]?["spent"] == 0.0)
        #expect(ledger["x"]?["turns"] == 2)
        #expect(try org.readJSON("state/tick.json")?["next_tick"] == 3)
        #expect(recorder.events(of: .turnFailed).count == 2)
    }

    @Test func hostileRepliesBecomeViolationsAndNeverEscapeTheAgentFolder() async throws {
        let hostile: [JSONValue] = [
            "this is not json at all",
            ["memory_updates": [["key": "../escape", "value": 1], ["key": "k", "op": "write", "value": 2]]],
            ["tool_calls": ["rm -rf /", ["tool": "shell", "args": "ls"]], "outbox_entries": "nope"],
            ["memory_updates": [["key": "big", "value": .string(String(repeating: "x", count: 40_000))]]],
            ["outbox_entries": [["payload": ["text": "fine"]], 42, ["payload": ["text": "x"], "to": "../b"]]],
            "[1, 2, 3]",
        ]
        let lines = hostile.enumerated().map { ScriptLine("a", tick: $0.offset + 1, $0.element) }
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: lines)
        defer { org.remove() }
        try await run(org, ticks: hostile.count)
        let records = try org.turnRecords(of: "a")
        #expect(records.map(\.stopReason) == Array(repeating: "completed", count: hostile.count))
        #expect(records[0].violationCodes == ["not_json"])
        #expect(records[1].violationCodes == ["invalid_memory_key", "invalid_memory_op"])
        #expect(records[2].violationCodes == ["invalid_field", "invalid_tool_call", "invalid_tool_call"])
        #expect(records[3].violationCodes == ["memory_value_too_large"])
        #expect(records[4].violationCodes == ["invalid_entry", "invalid_recipients"])
        #expect(records[5].violationCodes == ["not_object"])
        #expect(try org.entries(of: "a").map(\.text) == ["fine"])
        #expect(try org.read("agents/escape.json") == nil)
        #expect(try org.read("agents/a/escape.json") == nil)
        #expect(try FileSystem.list(org.paths.memory("a")) ?? [] == [])
    }

    @Test func anUnreadableOutboxFileIsReportedAndSkipped() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("b", reads: ["a"])], replies: [.message("a", tick: 2, "after garbage")])
        defer { org.remove() }
        try org.writeBytes("agents/a/outbox/00000001-a-01.json", Array("{not json".utf8))
        try org.writeBytes("agents/a/outbox/notes.txt", Array("stray".utf8))
        let recorder = EventRecorder()
        try await run(org, ticks: 3, sinks: [recorder])
        #expect(try org.turnRecords(of: "b").map(\.inboxIDs) == [[], [], ["00000002-a-01"]])
        let reported = recorder.events(of: .entryUnreadable).compactMap { $0.data["error"]?.stringValue }
        #expect(reported.contains { $0.hasPrefix("agents/a/outbox/notes.txt") })
        #expect(reported.contains { $0.hasPrefix("agents/a/outbox/00000001-a-01.json") })
    }

    @Test func aSecondEngineOnTheSameOrgIsRefusedClearly() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: [])
        defer { org.remove() }
        let first = try await org.engine()
        await #expect {
            _ = try await org.engine()
        } throws: { error in
            guard let error = error as? LemmingError else { return false }
            return error.code == .locked && error.message.hasPrefix("another lemming engine is running on this org")
        }
        await first.close()
        let second = try await org.engine()
        await second.close()
    }
}
