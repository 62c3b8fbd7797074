import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct MemoryToolTests {
    @Test func memoryToolsWorkThroughRealTurns() async throws {
        let tools = ["memory_read", "memory_write", "memory_list", "memory_search"]
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: tools)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("memory_write", ["key": "plan", "value": ["step": 1, "goal": "ship"]]),
                        call("memory_write", ["key": "log", "value": "first", "op": "append"]),
                        call("memory_write", ["key": "log", "value": "second", "op": "append"]),
                        call("memory_read", ["key": "plan"]),
                        call("memory_list"),
                        call("memory_search", ["query": "SHIP"]),
                        call("memory_read", ["key": "missing"]),
                        call("memory_write", ["key": "plan", "value": 3, "op": "merge"]),
                        call("memory_write", ["key": "log", "op": "delete"]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 2)

        let tick1 = try results(org, "a", tick: 1)
        #expect(tick1.count == 9)
        #expect(tick1[0...2].allSatisfy { $0.success })
        #expect(tick1[3].success && tick1[3].output == #"{"step":1,"goal":"ship"}"#)
        #expect(tick1[4].success && tick1[4].output.contains("plan (") && tick1[4].output.contains("log ("))
        #expect(tick1[5].success && tick1[5].output.hasPrefix("plan: "))
        #expect(!tick1[6].success && tick1[6].error?.contains("no memory key 'missing'") == true)
        #expect(!tick1[7].success && tick1[7].error?.contains("merge needs an object") == true)
        #expect(tick1[8].success)

        // The engine applied the updates under its journal: plan stored, log created then deleted.
        let plan = try #require(try org.readJSON("agents/a/memory/plan.json"))
        #expect(plan["value"] == ["step": 1, "goal": "ship"])
        #expect(try org.read("agents/a/memory/log.json") == nil)

        // The agent sees the results (and its memory) in its next turn.
        let next = try userMessage(org, "a", tick: 2)
        #expect(next.contains("## Results of your tool calls last turn"))
        #expect(next.contains("- memory_read: failed: no memory key 'missing'"))
        #expect(next.contains(#"- plan: {"step":1,"goal":"ship"}"#))
        #expect(next.contains("- memory_search:"))
    }

    @Test func memoryWritesKeepTheMemoryCaps() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["memory_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("memory_write", ["key": "big", "value": .string(String(repeating: "x", count: 200))]),
                        call("memory_write", ["key": "../escape", "value": 1]),
                    ])
            ],
            config: ["memory": ["max_value_bytes": 100]])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let tick1 = try results(org, "a", tick: 1)
        #expect(tick1.map(\.success) == [false, false])
        #expect(try org.read("agents/a/memory/big.json") == nil)
        #expect(try FileSystem.list(org.paths.memory("a"))?.isEmpty ?? true)
    }
}
