import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct DeterminismTests {
    static func busyOrg(execution: String) throws -> TemporaryOrg {
        try TemporaryOrg.make(
            agents: [
                TestAgent("manager", reads: ["human", "planner", "coder"]), TestAgent("planner", reads: ["manager"]),
                TestAgent("coder", reads: ["manager", "planner"], every: 2, offset: 1),
            ], config: ["execution": .string(execution)])
    }

    @Test(arguments: ["parallel", "sequential"])
    func theSameOrgAndRepliesGiveByteIdenticalFiles(execution: String) async throws {
        let first = try Self.busyOrg(execution: execution)
        defer { first.remove() }
        let second = try first.copy()
        defer { second.remove() }
        for org in [first, second] {
            try await send(org, to: ["manager"], "Plan the release.")
            try await run(org, ticks: 8)
        }
        let files = try first.files()
        #expect(files == (try second.files()))
        #expect(files.keys.contains("logs/engine.jsonl"))
        #expect(files.keys.filter { $0.hasPrefix("agents/") && $0.contains("/outbox/") }.count > 5)
    }
}
