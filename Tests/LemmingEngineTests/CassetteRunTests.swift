import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingTesting
import Testing

/// A whole org recorded once and played back from its cassette (issue 15): the CI fixture.
@Suite(.timeLimit(.minutes(1)))
struct CassetteRunTests {
    static let agents = [
        TestAgent("manager", reads: ["human", "planner", "coder"]),
        TestAgent("planner", reads: ["manager"]),
        TestAgent("coder", reads: ["manager", "planner"], every: 2),
    ]

    /// The `sim` entry: the simulation with prices, recording when `record` is given.
    static func models(_ sim: JSONObject) -> JSONObject {
        var entry: JSONObject = ["price_in_per_mtok": 1.0, "price_out_per_mtok": 2.0]
        for (key, value) in sim { entry[key] = value }
        return ["sim": .object(entry)]
    }

    /// What a replay must reproduce: outboxes, memory, the ledger and the cursors.
    static func outcome(of org: TemporaryOrg) throws -> [String: [UInt8]] {
        try org.files().filter { path, _ in
            path.contains("/outbox/") || path.contains("/memory/") || path == "state/ledger.json"
                || path == "state/cursors.json"
        }
    }

    @Test func aRecordedRunPlaysBackFromItsCassetteToByteIdenticalOutboxes() async throws {
        let recorded = try TemporaryOrg.make(
            agents: Self.agents, models: Self.models(["provider": "scripted", "record": "cassettes/run.jsonl"]))
        defer { recorded.remove() }
        let replayed = try recorded.copy()
        defer { replayed.remove() }
        try replayed.write(
            "models.json",
            .object(Self.models(["provider": "cassette", "cassette": "cassettes/run.jsonl", "mode": "strict"])))

        for org in [recorded, replayed] {
            try await send(org, to: ["manager"], "Plan the login page and build it.")
        }
        try await run(recorded, ticks: 6)
        let cassette = try #require(try recorded.read("cassettes/run.jsonl"))
        // Every turn that called the model left one line: manager and planner six times, coder three.
        #expect(cassette.split(separator: 0x0A).count == 15)
        try replayed.writeBytes("cassettes/run.jsonl", cassette)

        let reports = try await run(replayed, ticks: 6)
        #expect(reports.flatMap(\.turns).allSatisfy { $0.stopReason == .completed })
        let expected = try Self.outcome(of: recorded)
        #expect(expected.keys.contains { $0.hasPrefix("agents/coder/outbox/") })
        #expect(try Self.outcome(of: replayed) == expected)
    }

    @Test func aPlaybackOfAnEditedOrgFailsTheTurnThatAsksSomethingElse() async throws {
        let recorded = try TemporaryOrg.make(
            agents: Self.agents, models: Self.models(["provider": "scripted", "record": "cassettes/run.jsonl"]))
        defer { recorded.remove() }
        let replayed = try recorded.copy()
        defer { replayed.remove() }
        try await send(recorded, to: ["manager"], "Plan the login page.")
        try await run(recorded, ticks: 2)
        try replayed.writeBytes("cassettes/run.jsonl", try #require(try recorded.read("cassettes/run.jsonl")))
        try replayed.write(
            "models.json", .object(Self.models(["provider": "cassette", "cassette": "cassettes/run.jsonl"])))
        try await send(replayed, to: ["manager"], "Plan the signup page.")

        let report = try #require(try await run(replayed, ticks: 1).first)
        let manager = try #require(report.turns.first { $0.agent == "manager" })
        #expect(manager.stopReason == .providerFailed)
        let record = try #require(try replayed.turnRecords(of: "manager").last)
        let error = try #require(record["error"]?.stringValue)
        #expect(error.contains("cassette_mismatch"), "\(error)")
        #expect(error.contains("(user) differs"), "\(error)")
        #expect(error.contains("signup") && error.contains("login"), "\(error)")
    }

    @Test func aTickRunAgainLeavesOneLinePerTurnWithTheReplyTheOrgCommitted() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a")],
            replies: [ScriptLine.message("a", tick: 1, "the reply that counts")],
            models: Self.models([
                "provider": "scripted", "replies": "replies.jsonl", "record": "cassettes/run.jsonl",
            ]))
        defer { org.remove() }
        // A process recorded a's turn at tick 1 and crashed before the tick committed.
        let stale =
            #"{"agent":"a","tick":1,"model_key":"sim","model":"simulation","request":{"sha256":"0"},"#
            + #""reply":{"text":"{\"notes\":\"lost with the crash\"}"}}"# + "\n"
        try org.writeBytes("cassettes/run.jsonl", Array(stale.utf8))

        try await run(org, ticks: 2)
        let bytes = try #require(try org.read("cassettes/run.jsonl"))
        let lines = try Cassette(bytes: bytes, file: "run").lines
        #expect(lines.map(\.tick) == [1, 2])
        #expect(try lines[0].outcome.get().text.contains("the reply that counts"))
        #expect(try org.entries(of: "a").map(\.text) == ["the reply that counts"])
    }
}
