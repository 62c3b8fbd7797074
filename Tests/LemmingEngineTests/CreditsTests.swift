import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct CreditsTests {
    @Test func aTurnIsChargedForItsTokensAtTheRegistryPrices() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a", maxCredits: 10)], replies: [.message("a", "hi")])
        defer { org.remove() }
        try await run(org, ticks: 1)
        let record = try #require(try org.turnRecords(of: "a").first)
        let input = try #require(record["usage"]?["input_tokens"]?.intValue)
        let output = try #require(record["usage"]?["output_tokens"]?.intValue)
        let expected = Credits.round(Double(input) * 1.0 / 1_000_000 + Double(output) * 2.0 / 1_000_000)
        #expect(record["cost"]?.doubleValue == expected)
        let account = try #require(try org.readJSON("state/ledger.json")?["a"])
        #expect(account["balance"]?.doubleValue == Credits.round(10 - expected))
        #expect(account["spent"]?.doubleValue == expected)
        #expect(account["tokens_in"]?.intValue == input)
        #expect(account["tokens_out"]?.intValue == output)
        #expect(account["reserved"] == 0.0)
    }

    @Test func anAgentThatCannotCoverTheWorstCaseIsSkippedUntilToppedUp() async throws {
        // The worst case is about 1024 output tokens at 2 credits per million: 0.002 and more.
        let org = try TemporaryOrg.make(agents: [TestAgent("a", maxCredits: 0.001)], replies: [.message("a", "hi")])
        defer { org.remove() }
        let engine = try await org.engine()
        let first = try await engine.runTick()
        let second = try await engine.runTick()
        #expect(first.turns.map(\.stopReason) == [.budgetExhausted])
        #expect(second.skipped == ["a": .budgetExhausted])
        let statuses = try org.entries(of: "a").filter { $0.kind == "status" }
        #expect(statuses.map { $0.meta["code"] } == ["budget_exhausted"])
        #expect(await engine.balance(of: "a") == 0.001)
        try ControlCommand.topUp(agent: "a", amount: 1).submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        let third = try await engine.runTick()
        await engine.close()
        #expect(third.turns.map(\.stopReason) == [.completed])
        #expect(try org.entries(of: "a").filter { $0.kind == "message" }.count == 1)
    }

    @Test func crossingTheSoftCapWarnsOnce() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", maxCredits: 1, softCap: 0.999)], replies: [.message("a", "hi")])
        defer { org.remove() }
        let recorder = EventRecorder()
        try await run(org, ticks: 4, sinks: [recorder])
        #expect(recorder.events(of: .softCapWarning).count == 1)
        let statuses = try org.entries(of: "a").filter { $0.kind == "status" }
        #expect(statuses.map { $0.meta["code"] } == ["soft_cap"])
        #expect(try org.readJSON("state/ledger.json")?["a"]?["soft_cap_warned"] == true)
    }
}
