import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

/// An entry of a scripted reply.
private func item(_ kind: String, _ text: String, to: [String]? = nil, replyTo: String? = nil) -> JSONValue {
    var entry: JSONObject = ["kind": .string(kind), "payload": ["text": .string(text)]]
    if let to { entry["to"] = .strings(to) }
    if let replyTo { entry["reply_to"] = .string(replyTo) }
    return .object(entry)
}

@Suite(.timeLimit(.minutes(2))) struct OrgStatsTests {
    /// `a` answers the human at once and asks `b`, with a memory update that breaks the contract;
    /// `b` answers two ticks later, then answers the same request again.
    static func conversation() async throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"]), TestAgent("b", reads: ["a"])],
            replies: [
                ScriptLine(
                    "a", tick: 1,
                    [
                        "outbox_entries": [
                            item("response", "Noted.", to: ["human"], replyTo: "00000001-human-01"),
                            item("request", "Please draft it.", to: ["b"]),
                        ],
                        "memory_updates": [["key": "not a key!", "op": "set", "value": 1]],
                    ]),
                ScriptLine("b", tick: 3, ["outbox_entries": [item("response", "Drafted.", replyTo: "00000001-a-02")]]),
                ScriptLine("b", tick: 4, ["outbox_entries": [item("response", "Again.", replyTo: "00000001-a-02")]]),
            ])
        try await send(org, to: ["a"], "Please plan it.")
        try await run(org, ticks: 4)
        return org
    }

    @Test func eachAgentsTurnsTokensCostEntriesViolationsAndResponseTimes() async throws {
        let org = try await Self.conversation()
        defer { org.remove() }
        let stats = try OrgStats(history: RunHistory.read(root: org.root))
        #expect(stats.agents.map(\.agent) == ["a", "b"])
        let a = try #require(stats.agents.first?.figures)
        let b = try #require(stats.agents.last?.figures)
        #expect(a.turns == 4 && b.turns == 4)
        #expect(a.stopReasons == ["completed": 4])
        #expect(a.entries == 2 && b.entries == 2)
        #expect(a.violations == 1 && a.turnsWithViolations == 1 && a.violationRate == 0.25)
        #expect(b.violations == 0 && b.violationRate == 0)
        #expect(a.failedTurns == 0 && a.loopDetections == 0)
        // a answered the human in the tick it was asked; b answered a two ticks later, and its
        // second answer to the same request does not count.
        #expect(a.responseTicks == [0] && a.medianResponseTicks == 0)
        #expect(b.responseTicks == [2] && b.medianResponseTicks == 2)
        // Tokens and cost agree with the ledger, which the engine kept turn by turn.
        let ledger = try #require(try org.readJSON("state/ledger.json"))
        for (agent, figures) in [("a", a), ("b", b)] {
            #expect(figures.tokensIn == ledger[agent]?["tokens_in"]?.intValue)
            #expect(figures.tokensOut == ledger[agent]?["tokens_out"]?.intValue)
            #expect(figures.cost == ledger[agent]?["spent"]?.doubleValue)
            #expect(figures.tokensIn > 0 && figures.cost > 0)
            #expect(figures.costPerEntry == Credits.round(figures.cost / 2))
            #expect(stats.agents.first { $0.agent == agent }?.balance == ledger[agent]?["balance"]?.doubleValue)
        }
        #expect(stats.total.turns == 8 && stats.total.entries == 4 && stats.total.violations == 1)
        #expect(stats.total.violationRate == 0.125)
        #expect(stats.total.cost == Credits.round(a.cost + b.cost))
        #expect(stats.total.responseTicks == [0, 2] && stats.total.medianResponseTicks == 1)
        #expect(stats.problems.isEmpty)
        let json = stats.json
        #expect(json["total"]?["median_response_ticks"] == 1.0)
        #expect(json["agents"]?.arrayValue?.first?["agent"] == "a")
        #expect(json["agents"]?.arrayValue?.first?["violation_rate"] == 0.25)
        #expect(json["agents"]?.arrayValue?.first?["stop_reasons"] == ["completed": 4])
        #expect(json["last_committed_tick"] == 4)
    }

    @Test func aTickRangeCountsTheTurnsAndResponsesInsideIt() async throws {
        let org = try await Self.conversation()
        defer { org.remove() }
        let history = try RunHistory.read(root: org.root)
        let middle = try OrgStats(history: history, filter: .init(fromTick: 2, toTick: 3))
        #expect(middle.agents.map(\.figures.turns) == [2, 2])
        #expect(middle.agents.map(\.figures.entries) == [0, 1])
        #expect(middle.agents.map(\.figures.violations) == [0, 0])
        #expect(middle.agents.map(\.figures.costPerEntry) == [nil, middle.agents[1].figures.cost])
        #expect(middle.total.responseTicks == [2])
        let early = try OrgStats(history: history, filter: .init(toTick: 2))
        #expect(early.agents[1].figures.responses == 0 && early.agents[1].figures.medianResponseTicks == nil)
        #expect(early.json["agents"]?.arrayValue?.last?["median_response_ticks"] == .null)
        let none = try OrgStats(history: history, filter: .init(fromTick: 9))
        #expect(none.total.turns == 0 && none.total.violationRate == nil && none.total.costPerEntry == nil)
        #expect(throws: LemmingError.self) { try OrgStats(history: history, filter: .init(fromTick: 3, toTick: 2)) }
    }

    @Test func anAgentFilterShowsThoseAgentsAndTheirTotals() async throws {
        let org = try await Self.conversation()
        defer { org.remove() }
        let history = try RunHistory.read(root: org.root)
        let onlyB = try OrgStats(history: history, filter: .init(agents: ["b"]))
        #expect(onlyB.agents.map(\.agent) == ["b"])
        #expect(onlyB.total == onlyB.agents[0].figures)
        let error = try #require(throws: LemmingError.self) {
            try OrgStats(history: history, filter: .init(agents: ["ghost"]))
        }
        #expect(error.code == .notFound)
        #expect(error.message == "no agent named 'ghost' (agents: a, b)")
    }

    @Test func failedTurnsAndLoopDetectionsAreCounted() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("x", reads: ["human"], model: "broken"), TestAgent("y")],
            replies: [.message("y", "same words")],
            config: ["loop_detection": ["repeat_limit": 3]],
            models: [
                "sim": ["provider": "scripted", "replies": "replies.jsonl", "price_in_per_mtok": 1.0],
                "broken": ["provider": "cli", "command": ["false"]],
            ])
        defer { org.remove() }
        try await send(org, to: ["x"], "hello")
        try await run(org, ticks: 4)
        let stats = try OrgStats(history: RunHistory.read(root: org.root))
        let x = try #require(stats.agents.first { $0.agent == "x" }?.figures)
        let y = try #require(stats.agents.first { $0.agent == "y" }?.figures)
        #expect(x.turns == 4 && x.failedTurns == 4 && x.stopReasons == ["provider_failed": 4])
        #expect(x.entries == 0 && x.costPerEntry == nil)
        // y wrote the same words twice and was paused at the third turn; the engine's status
        // entry about it is not y's.
        #expect(y.turns == 3 && y.loopDetections == 1 && y.failedTurns == 0)
        #expect(y.stopReasons == ["completed": 2, "loop_detected": 1])
        #expect(y.entries == 2)
        #expect(stats.total.failedTurns == 4 && stats.total.loopDetections == 1)
    }

    @Test func archivedRequestsAreAnsweredAndUnreadableLinesAreReported() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"], every: 3)],
            replies: [
                ScriptLine("a", tick: 3, ["outbox_entries": [item("response", "Late.", replyTo: "00000001-human-01")]])
            ],
            config: ["outbox_retention_ticks": 1])
        defer { org.remove() }
        try await send(org, to: ["a"], "Anyone?")
        try await run(org, ticks: 4)
        #expect(try org.read("archive/outbox/human/00000001-human-01.json") != nil)
        var log = try #require(try org.read("agents/a/logs/turns.jsonl"))
        log += Array("not a turn record\n".utf8)
        try org.writeBytes("agents/a/logs/turns.jsonl", log)
        let history = try RunHistory.read(root: org.root)
        #expect(history.entries.map(\.id.text).contains("00000001-human-01"))
        #expect(history.problems == ["agents/a/logs/turns.jsonl:2: not a turn record (left out)"])
        let stats = try OrgStats(history: history)
        #expect(stats.agents[0].figures.turns == 1)
        #expect(stats.agents[0].figures.responseTicks == [2])
        #expect(stats.problems == history.problems)
    }
}

@Suite struct RunFiguresTests {
    @Test(
        arguments: [
            ([], nil), ([3], 3.0), ([1, 4], 2.5), ([0, 2, 9], 2.0), ([1, 1, 2, 7], 1.5),
        ] as [([Int], Double?)])
    func theMedianResponseTimeIsTheMiddleValue(ticks: [Int], median: Double?) {
        var figures = RunFigures()
        figures.responseTicks = ticks
        #expect(figures.medianResponseTicks == median)
        #expect(figures.responses == ticks.count)
    }

    @Test func totalsAddTurnsAndKeepEveryResponse() {
        var a = RunFigures()
        a.add(TurnFacts(tick: 1, stopReason: "completed", tokensIn: 10, tokensOut: 2, cost: 0.1, entries: 2))
        a.add(TurnFacts(tick: 2, stopReason: "truncated", tokensIn: 5, cost: 0.2, violations: 2))
        a.responseTicks = [4]
        var b = RunFigures()
        b.add(TurnFacts(tick: 1, stopReason: "loop_detected", cost: 0.3))
        b.add(TurnFacts(tick: 2, stopReason: "a_reason_from_later", entries: 1))
        b.responseTicks = [1, 2]
        var total = RunFigures()
        total.add(a)
        total.add(b)
        #expect(total.turns == 4 && total.tokensIn == 15 && total.tokensOut == 2)
        #expect(total.cost == 0.6)
        #expect(total.entries == 3 && total.costPerEntry == 0.2)
        #expect(total.violations == 2 && total.turnsWithViolations == 1 && total.violationRate == 0.25)
        #expect(total.failedTurns == 1 && total.loopDetections == 1)
        #expect(
            total.stopReasons == ["completed": 1, "truncated": 1, "loop_detected": 1, "a_reason_from_later": 1])
        #expect(total.responseTicks == [1, 2, 4])
    }

    @Test func aResponseCountsOnceForItsAuthorAndNeverForItsOwnRequest() {
        func entry(_ id: String, replyTo: String? = nil) -> OutboxEntry? {
            EntryID(id).map {
                OutboxEntry(id: $0, kind: "message", payload: [:], replyTo: replyTo, createdAt: "2026-01-01T00:00:00Z")
            }
        }
        let entries = [
            entry("00000001-human-01"),
            entry("00000002-a-01", replyTo: "00000001-human-01"),  // 1 tick
            entry("00000002-b-01", replyTo: "00000002-b-00"),  // no such request
            entry("00000003-a-01", replyTo: "00000001-human-01"),  // a answered it already
            entry("00000003-a-02", replyTo: "00000002-a-01"),  // its own entry
            entry("00000005-b-01", replyTo: "00000001-human-01"),  // 4 ticks
            entry("00000006-b-01", replyTo: "00000002-a-01"),  // 4 ticks, out of the range below
        ].compactMap { $0 }
        #expect(OrgStats.responseTicks(entries, filter: .init()) == ["a": [1], "b": [4, 4]])
        #expect(OrgStats.responseTicks(entries, filter: .init(toTick: 5)) == ["a": [1], "b": [4]])
        #expect(OrgStats.responseTicks(entries, filter: .init(fromTick: 3)) == ["b": [4, 4]])
    }
}
