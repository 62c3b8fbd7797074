import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct SchedulingIntegrationTests {
    @Test func firingFollowsTheFormulaAndTheFirePointOrder() async throws {
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("a"), TestAgent("b", every: 2, offset: 1), TestAgent("c", every: 3, offset: -1),
                TestAgent("d", every: 4, offset: 3),
            ], replies: [])
        defer { org.remove() }
        let recorder = EventRecorder()
        try await run(org, ticks: 4, sinks: [recorder])
        let firing = recorder.events(of: .tickStarted).map {
            $0.data["firing"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        #expect(firing == [["a", "b"], ["a", "c"], ["a", "d", "b"], ["a"]])
    }

    @Test func disabledAndInvalidAgentsAreSkippedWithoutStoppingOthers() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("off", extra: ["enabled": false])], replies: [])
        defer { org.remove() }
        var broken = try #require(TestAgent("bad").resume.objectValue)
        broken["schedule"] = ["run_every_n_ticks": 0]
        try org.write("agents/bad/resume.json", .object(broken))
        let reports = try await run(org, ticks: 2)
        #expect(reports.map { $0.turns.map(\.agent) } == [["a"], ["a"]])
        #expect(reports[0].skipped == ["off": .disabled, "bad": .invalidResume])
        let status = try OrgStatus.read(root: org.root)
        let bad = try #require(status.agents.first { $0.name == "bad" })
        #expect(bad.state == "invalid_resume")
        #expect(
            bad.errors.map(\.description) == [
                "agents/bad/resume.json: schedule.run_every_n_ticks: must be ≥ 1 (got 0)"
            ])
    }

    @Test func aResumeEditedWhileRunningIsPickedUpAtTheNextTick() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: [])
        defer { org.remove() }
        let engine = try await org.engine()
        #expect(try await engine.runTick().turns.map(\.agent) == ["a"])
        try org.add(TestAgent("b"))
        var edited = try #require(TestAgent("a").resume.objectValue)
        edited["enabled"] = false
        try org.write("agents/a/resume.json", .object(edited))
        let report = try await engine.runTick()
        await engine.close()
        #expect(report.turns.map(\.agent) == ["b"])
        #expect(report.skipped == ["a": .disabled])
    }
}
