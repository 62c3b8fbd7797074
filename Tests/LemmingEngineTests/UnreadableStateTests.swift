import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

/// A state file the engine cannot read never leaves the org unusable (issue 11 item 6).
@Suite(.timeLimit(.minutes(1)))
struct UnreadableStateTests {
    static func org() throws -> TemporaryOrg {
        try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human", "b"]), TestAgent("b", reads: ["a"])],
            replies: [.message("a", "from a"), .message("b", "from b")],
            config: ["loop_detection": ["repeat_limit": 0]])
    }

    /// 300 nested arrays: valid JSON no reader of the engine accepts.
    static let tooDeep = Array(String(repeating: "[", count: 300).utf8) + Array(String(repeating: "]", count: 300).utf8)

    @Test(arguments: ["state/tick.json", "state/ledger.json", "state/cursors.json", "state/agents.json"])
    func statusStillWorksAndTheEngineSetsTheFileAsideAndGoesOn(file: String) async throws {
        let org = try Self.org()
        defer { org.remove() }
        try await org.run(ticks: 3)
        try org.writeBytes(file, Array("{\"not\": json".utf8))

        let status = try OrgStatus.read(root: org.root)
        #expect(status.warnings.contains { $0.hasPrefix("\(file) cannot be read") })

        let recorder = EventRecorder()
        let engine = try await org.engine(sinks: [recorder])
        #expect(await engine.nextTick == 4)
        let report = try await engine.runTick()
        await engine.close()
        #expect(report.tick == 4)
        let event = try #require(recorder.events(of: .stateFileUnreadable).first)
        #expect(event.data["file"] == .string(file))
        #expect(event.data["set_aside_as"] == .string(file + ".unreadable"))
        #expect(try org.read(file + ".unreadable") == Array("{\"not\": json".utf8))
        #expect(try org.readJSON(file) != nil)
        let after = try OrgStatus.read(root: org.root)
        #expect(after.warnings.contains { $0.contains(file + ".unreadable") })
        // No entry id was given twice.
        #expect(try org.entries(of: "a").map(\.id.tick) == [1, 2, 3, 4])
    }

    @Test func lostBalancesAreZeroNotFull() async throws {
        let org = try Self.org()
        defer { org.remove() }
        try await org.run(ticks: 1)
        try org.writeBytes("state/ledger.json", Self.tooDeep)
        let reports = try await org.run(ticks: 1)
        #expect(reports[0].turns.map(\.stopReason) == [.budgetExhausted, .budgetExhausted])
        #expect(try org.readJSON("state/ledger.json")?["a"]?["balance"]?.doubleValue == 0)
    }

    @Test func lostCursorsSkipWhatWasUnreadInsteadOfReplayingHistory() async throws {
        let org = try Self.org()
        defer { org.remove() }
        try await org.run(ticks: 2)
        try org.writeBytes("state/cursors.json", Self.tooDeep)
        try await org.run(ticks: 1)
        let record = try #require(try org.turnRecords(of: "b").last)
        #expect(record.inboxIDs.isEmpty)
    }
}
