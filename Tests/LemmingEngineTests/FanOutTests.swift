import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingTesting
import Testing

/// A tick's calls to one network endpoint all go out at once, up to `max_concurrent_turns`
/// (issue 16 §4), unless the entry bounds them with `max_concurrent_requests`. The server holds
/// each call for one second of a test clock, so the calls in flight are its sleepers.
@Suite(.timeLimit(.minutes(2)))
struct FanOutTests {
    static func run(agents count: Int, entry extra: JSONObject, inFlight: Int) async throws {
        let clock = ManualClock()
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.whenIdle(.delay(.seconds(1), then: .text(#"{"notes":"done"}"#)))
            var entry: JSONObject = [
                "provider": "openai_compatible", "model": "tiny", "base_url": .string(server.baseURL),
                "options": ["structured_output": false],
            ]
            for (key, value) in extra { entry[key] = value }
            let agents = (0..<count).map { TestAgent(String(format: "agent_%03d", $0), model: "remote") }
            let org = try TemporaryOrg.make(
                agents: agents, config: ["max_concurrent_turns": .int(count)], models: ["remote": .object(entry)])
            defer { org.remove() }
            let engine = try await org.engine(providers: ProviderFactory(environment: [:], clock: clock))
            async let tick = engine.runTick()
            var second = 1
            // At most one round per call, and none once the test's time limit cancelled it.
            while server.requests.count < count, second <= count, !Task.isCancelled {
                let wake = ManualClock.Instant(offset: .seconds(second))
                await clock.waitForSleepers(min(inFlight, count - server.requests.count), endingBy: wake)
                #expect(server.requests.count == min(second * inFlight, count), "second \(second)")
                clock.advance(to: wake)
                second += 1
            }
            clock.advance(by: .seconds(1))
            let report = try await tick
            await engine.close()
            #expect(report.turns.count == count)
            #expect(report.turns.allSatisfy { $0.stopReason == .completed })
        }
    }

    @Test func aHundredAgentsCallOneEndpointAllAtOnce() async throws {
        try await Self.run(agents: 100, entry: [:], inFlight: 100)
    }

    @Test func maxConcurrentRequestsBoundsATicksCallsToItsEndpoint() async throws {
        try await Self.run(agents: 30, entry: ["max_concurrent_requests": 10], inFlight: 10)
    }
}
