import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingProviders
import LemmingTesting
import Synchronization
import Testing

/// Issue 16, §2: a burst of 100 agents against an endpoint limited to 20 requests a minute
/// completes without a single failed turn, and no minute of the (injected) clock sees more than
/// 20 calls. The providers' clock is a ``ManualClock`` that the test moves to the next wake-up
/// whenever every unfinished turn sleeps on it, so that the minutes pass at once.
@Suite(.timeLimit(.minutes(3)))
struct PacingTests {
    static let agents = (0..<100).map { "agent_\($0)" }

    static func org(server: FakeModelServer, model extra: JSONObject, config: JSONObject) throws -> TemporaryOrg {
        var entry: JSONObject = [
            "provider": "openai_compatible", "model": "tiny", "base_url": .string(server.baseURL),
            // Call deadlines far beyond the test, so that the only short sleeps are the waits.
            "timeout_seconds": 1_000_000,
        ]
        for (key, value) in extra { entry[key] = value }
        return try TemporaryOrg.make(
            agents: agents.map { TestAgent($0, model: "remote") }, config: config, models: ["remote": .object(entry)])
    }

    /// Runs one tick, moving `clock` to the next wake-up within a minute each time every turn
    /// still to answer is asleep on it (`concurrency` turns run at once).
    ///
    /// - Parameter firstWait: runs once, the first time every unfinished turn sleeps.
    static func tick(
        _ org: TemporaryOrg, server: FakeModelServer, clock: ManualClock, concurrency: Int,
        wallClock: any WallClock = TemporaryOrg.fixedClock, firstWait: () async throws -> Void = {}
    ) async throws -> TickReport {
        let engine = try await org.engine(
            clock: wallClock, providers: ProviderFactory(environment: [:], clock: clock))
        async let report = engine.runTick()
        var waited = false
        while true {
            let answered = server.requests.count - server.rateLimitedCount
            guard answered < agents.count else { break }
            let horizon = clock.now.advanced(by: .seconds(61))
            let waking = clock.sleeperDeadlines.filter { $0 <= horizon }
            if waking.count >= min(concurrency, agents.count - answered), let next = waking.first {
                if !waited {
                    waited = true
                    try await firstWait()
                }
                clock.advance(to: next)
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        let tick = try await report
        await engine.close()
        return tick
    }

    /// The most requests the server received in any minute of its clock.
    static func busiestMinute(_ server: FakeModelServer) -> Int {
        let arrivals = server.requests.map(\.receivedAt)
        return arrivals.map { start in arrivals.filter { $0 >= start && $0 < start + .seconds(60) }.count }.max() ?? 0
    }

    static func expectEveryTurnCompleted(_ report: TickReport, _ org: TemporaryOrg) throws {
        #expect(report.turns.count == agents.count)
        #expect(report.turns.filter { $0.stopReason != .completed }.map(\.agent) == [])
        for agent in agents {
            let error = try org.turnRecords(of: agent).first?["error"]
            #expect(error == nil || error == .null, "\(agent) failed: \(String(describing: error))")
        }
    }

    /// `rpm: 20` in `models.json`, all 100 turns at once (`max_concurrent_turns: 100`): the
    /// calls go 20 a minute, and the last waits four minutes (within the default
    /// `rate_limit_wait_seconds`, ten minutes: nothing to tune).
    @Test func aBurstOf100PacedByTheConfiguredRPMCompletesWithoutAFailedTurn() async throws {
        let clock = ManualClock()
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.limitRate(.init(requests: 20, per: .seconds(60)))
            server.whenIdle(.text(#"{"notes":"done"}"#))
            let org = try Self.org(
                server: server, model: ["rpm": 20],
                config: ["max_concurrent_turns": 100])
            defer { org.remove() }
            // While the first 20 answer and 80 wait, `lemming status` shows the 80 (the engine
            // writes the health as turns finish, at most once a second: this wall clock's second
            // passes at every reading).
            let report = try await Self.tick(
                org, server: server, clock: clock, concurrency: 100, wallClock: SteppingWallClock()
            ) {
                var waiting: Int?
                for _ in 0..<5000 where waiting != 80 {
                    waiting = try OrgStatus.read(root: org.root).providers.first?.budgets.first?.waiting
                    if waiting != 80 { try await Task.sleep(for: .milliseconds(2)) }
                }
                #expect(waiting == 80)
            }
            try Self.expectEveryTurnCompleted(report, org)
            #expect(server.rateLimitedCount == 0)
            #expect(server.requests.count == 100)
            #expect(Self.busiestMinute(server) == 20)
            #expect(clock.now.offset == .seconds(240))
            let budget = try #require(try OrgStatus.read(root: org.root).providers.first?.budgets.first)
            #expect(budget.model == "tiny")
            #expect(budget.requestsPerMinute == 20)
            #expect(budget.waits == 80)
            #expect(budget.waiting == 0)
        }
    }

    /// A turn whose call cannot get room before its deadline fails at once with `rate_limited`,
    /// recorded in its turn record like any provider failure; the other turns go on.
    @Test func aTurnThatCannotGetRoomInTimeFailsRateLimited() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            server.whenIdle(.text(#"{"notes":"done"}"#))
            let entry: JSONObject = [
                "provider": "openai_compatible", "model": "tiny", "base_url": .string(server.baseURL), "rpm": 1,
                "rate_limit_wait_seconds": 10,
            ]
            let org = try TemporaryOrg.make(
                agents: [TestAgent("first", model: "remote"), TestAgent("second", model: "remote")],
                config: ["max_concurrent_turns": 2, "execution": "sequential"], models: ["remote": .object(entry)])
            defer { org.remove() }
            let engine = try await org.engine(providers: ProviderFactory(environment: [:], clock: ManualClock()))
            let report = try await engine.runTick()
            await engine.close()
            #expect(report.turns.map(\.stopReason) == [.completed, .providerFailed])
            let record = try #require(try org.turnRecords(of: "second").first)
            let error = try #require(record["error"]?.stringValue)
            #expect(error.hasPrefix("rate_limited: \(server.baseURL) (model tiny) is limited to 1 request a minute"))
            #expect(error.contains("a call waits at most 10 s (rate_limit_wait_seconds), so it was not made"))
            #expect(server.requests.count == 1)
        }
    }

    /// No `rpm`: the server states its limit of 20 in the headers of its answers (OpenAI's
    /// `x-ratelimit-*`). The turns run 8 at a time (the default `max_concurrent_turns`): the first
    /// answers teach the limit, and no call after them is refused either.
    @Test func aBurstOf100PacedByTheServersHeadersCompletesWithoutAFailedTurn() async throws {
        let clock = ManualClock()
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.limitRate(.init(requests: 20, per: .seconds(60), headers: .openAI))
            server.whenIdle(.text(#"{"notes":"done"}"#))
            let org = try Self.org(server: server, model: [:], config: ["max_concurrent_turns": 8])
            defer { org.remove() }
            let report = try await Self.tick(org, server: server, clock: clock, concurrency: 8)
            try Self.expectEveryTurnCompleted(report, org)
            #expect(server.rateLimitedCount == 0)
            #expect(server.requests.count == 100)
            #expect(Self.busiestMinute(server) == 20)
            #expect(clock.now.offset == .seconds(240))
            let budget = try #require(try OrgStatus.read(root: org.root).providers.first?.budgets.first)
            #expect(budget.requestsPerMinute == nil)
            #expect(budget.requestLimit == 20)
            #expect(budget.reported["requests"]?.limit == 20)
        }
    }
}

/// A wall clock fixed at ``TemporaryOrg/fixedTime`` whose monotonic reading moves a second at
/// every read.
final class SteppingWallClock: WallClock, Sendable {
    private let readings = Mutex<UInt64>(0)

    func now() -> Date { TemporaryOrg.fixedTime }

    func monotonicNanoseconds() -> UInt64 {
        readings.withLock { reading in
            reading += 1_000_000_000
            return reading
        }
    }
}
