import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct ToolLoopTests {
    /// DESIGN §5.5: an agent that makes the same tool calls turn after turn is paused.
    @Test func repeatedIdenticalToolCallsPauseTheAgent() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["calculator"])],
            replies: [ScriptLine("a", ["tool_calls": [call("calculator", ["expression": "1 + 1"])]])],
            config: ["loop_detection": ["repeat_limit": 3]])
        defer { org.remove() }
        let recorder = EventRecorder()
        let reports = try await runWithTools(org, ticks: 6, sinks: [recorder])
        let stops = reports.compactMap { $0.turns.first?.stopReason }
        #expect(stops.prefix(3) == [.completed, .completed, .loopDetected], "\(stops)")
        #expect(recorder.events(of: .loopDetected).count == 1)
        // Paused: later ticks skip it, and the repeated call ran only on the turns before the pause.
        #expect(reports[3].skipped["a"] == .loopDetected)
        #expect(recorder.events(of: .toolCalled).count == 2)
    }

    /// Calls that change (a different argument each turn) are not a loop.
    @Test func changingToolCallsAreNotALoop() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["calculator"])],
            replies: (1...5).map { calls("a", tick: $0, [call("calculator", ["expression": .string("\($0) + 1")])]) },
            config: ["loop_detection": ["repeat_limit": 3]])
        defer { org.remove() }
        let reports = try await runWithTools(org, ticks: 5)
        #expect(reports.allSatisfy { $0.turns.first?.stopReason == .completed })
    }
}
