import LemmingCore
import LemmingJSON
import LemmingTesting
import LemmingTools
import Testing

@Suite(.timeLimit(.minutes(2))) struct ApprovalTests {
    static func org(timeout: Int = 100) throws -> TemporaryOrg {
        try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["file_write", "calculator"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "approved.txt", "content": "yes"]),
                        call("file_write", ["path": "denied.txt", "content": "no"]),
                        call("calculator", ["expression": "6 * 7"]),
                    ])
            ],
            config: ["tools": ["require_approval": ["file_write"], "approval_timeout_ticks": .int(timeout)]])
    }

    @Test func callsNeedingApprovalWaitForTheHuman() async throws {
        let org = try Self.org()
        defer { org.remove() }
        let recorder = EventRecorder()
        let engine = try await org.engine(tools: BuiltinToolFactory(environment: testEnvironment), sinks: [recorder])
        _ = try await engine.runTick()

        // Tick 1: two requests posted to the human; the calculator ran at once.
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.map(\.success) == [false, false, true])
        #expect(outcome[0].error?.hasPrefix("waiting for the human's approval (request 00000001-a-") == true)
        let requests = try org.entries(of: "a").filter { $0.kind == "approval_request" }
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.recipients == ["human"] && $0.payload["tool"] == "file_write" })
        #expect(requests[0].payload["args"] == ["path": "approved.txt", "content": "yes"])
        #expect(try org.read("agents/a/workspace/approved.txt") == nil)

        // Nothing happens while the human has not answered.
        _ = try await engine.runTick()
        #expect(try org.read("agents/a/workspace/approved.txt") == nil)

        let approved = requests[0].id.text
        let denied = requests[1].id.text
        _ = try await engine.apply([
            .send(.approval(of: approved, by: "a", approve: true)),
            .send(.approval(of: denied, by: "a", approve: false, reason: "not today")),
        ])
        _ = try await engine.runTick()
        await engine.close()

        #expect(try org.text("agents/a/workspace/approved.txt") == "yes")
        #expect(try org.read("agents/a/workspace/denied.txt") == nil)
        // The agent sees both outcomes in its next turn.
        let prompt = try userMessage(org, "a", tick: 3)
        #expect(prompt.contains("- file_write: ok"))
        #expect(prompt.contains("- file_write: failed: the human denied request \(denied): not today"))
        let decisions = recorder.events(of: .approvalResolved).map { $0.data["decision"]?.stringValue }
        #expect(decisions == ["approved", "denied"])
        #expect(try FileOrgStore(paths: org.paths).load().runtimes["a"].pendingApprovals.isEmpty)
    }

    @Test func unansweredRequestsExpire() async throws {
        let org = try Self.org(timeout: 2)
        defer { org.remove() }
        try await runWithTools(org, ticks: 5)
        #expect(try org.read("agents/a/workspace/approved.txt") == nil)
        let expired = try org.turnRecords(of: "a").first {
            try userMessage(org, "a", tick: $0["tick"]?.intValue ?? 0).contains("expired")
        }
        let tick = try #require(expired?["tick"]?.intValue)
        #expect(tick == 4)
        let prompt = try userMessage(org, "a", tick: tick)
        #expect(prompt.contains("failed: request 00000001-a-"))
        #expect(prompt.contains("expired after 2 ticks"))
    }

    /// Pending approvals survive a restart of the engine (they are in state/agents.json).
    @Test func pendingApprovalsSurviveARestart() async throws {
        let org = try Self.org()
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let request = try #require(try org.entries(of: "a").first { $0.kind == "approval_request" })
        let engine = try await org.engine(tools: BuiltinToolFactory(environment: testEnvironment))
        _ = try await engine.apply([.send(.approval(of: request.id.text, by: "a", approve: true))])
        _ = try await engine.runTick()
        await engine.close()
        #expect(try org.text("agents/a/workspace/approved.txt") == "yes")
    }
}
