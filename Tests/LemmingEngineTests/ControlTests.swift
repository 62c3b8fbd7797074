import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct ControlTests {
    @Test func commandFilesPauseAndResumeAnAgentAtTheNextTick() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a"), TestAgent("b")], replies: [])
        defer { org.remove() }
        let engine = try await org.engine()
        try ControlCommand.pause(agent: "a").submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        let paused = try await engine.runTick()
        try ControlCommand.resume(agent: "a").submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        let resumed = try await engine.runTick()
        await engine.close()
        #expect(paused.turns.map(\.agent) == ["b"])
        #expect(paused.skipped == ["a": .paused])
        #expect(resumed.turns.map(\.agent) == ["a", "b"])
        #expect(try FileSystem.list(org.paths.commands) ?? [] == [])
    }

    @Test func aPausedEngineAppliesCommandsButDoesNotAdvance() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: [])
        defer { org.remove() }
        let engine = try await org.engine()
        try await engine.apply([.pause(agent: nil)])
        let report = try await engine.runTick()
        #expect(report.wasPaused)
        #expect(await engine.nextTick == 1)
        try ControlCommand.resume(agent: nil).submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        let resumed = try await engine.runTick()
        await engine.close()
        #expect(!resumed.wasPaused)
        #expect(resumed.tick == 1)
        #expect(try org.readJSON("state/tick.json")?["next_tick"] == 2)
    }

    @Test func badCommandsAreRejectedAndConsumed() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: [])
        defer { org.remove() }
        try org.writeBytes("state/commands/001.json", Array("garbage".utf8))
        try org.write("state/commands/002.json", ["command": "top_up", "agent": "ghost", "amount": 5])
        let recorder = EventRecorder()
        try await run(org, ticks: 1, sinks: [recorder])
        let rejected = recorder.events(of: .commandRejected).compactMap { $0.data["error"]?.stringValue }
        #expect(rejected.count == 2)
        #expect(rejected[1] == "no agent named 'ghost'")
        #expect(try FileSystem.list(org.paths.commands) ?? [] == [])
    }

    @Test func anAgentRepeatingItselfIsPausedAsALoop() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a")], replies: [.message("a", "same words")],
            config: ["loop_detection": ["repeat_limit": 3]])
        defer { org.remove() }
        let reports = try await run(org, ticks: 4)
        #expect(reports.map { $0.turns.map(\.stopReason) } == [[.completed], [.completed], [.loopDetected], []])
        #expect(reports[3].skipped == ["a": .loopDetected])
        let entries = try org.entries(of: "a")
        #expect(entries.filter { $0.kind == "message" }.count == 2)
        let status = try #require(entries.first { $0.kind == "status" })
        #expect(status.recipients == ["human"])
        #expect(status.meta["code"] == "loop_detected")
        #expect(try OrgStatus.read(root: org.root).agents.first?.state == "loop_detected")
    }

    @Test func entriesPastRetentionMoveToTheArchive() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a")], replies: [.message("a", tick: 1, "old"), .message("a", tick: 3, "new")],
            config: ["outbox_retention_ticks": 2])
        defer { org.remove() }
        try await run(org, ticks: 4)
        #expect(try org.entries(of: "a").map(\.text) == ["new"])
        #expect(try org.read("archive/outbox/a/00000001-a-01.json") != nil)
    }
}
