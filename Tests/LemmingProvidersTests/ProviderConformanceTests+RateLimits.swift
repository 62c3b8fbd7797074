import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Backpressure (429, 503 with `Retry-After`) is waited out, by every call to the endpoint, and
/// never opens the circuit breaker. All on a test clock: nothing sleeps for real.
extension ProviderConformanceTests {
    /// Issue 11, item 12: 30 turns at once against a server that allows 10 requests a second and
    /// answers the rest 429 with `Retry-After: 1`. Before, five 429s in a row opened the breaker
    /// and 21 of 30 turns failed `circuit_open`.
    @Test(arguments: Flavour.allCases)
    func rateLimitBurstCompletesEveryCallWithoutOpeningTheBreaker(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            server.limitRate(.init(requests: 10, per: .seconds(1), retryAfter: "1"))
            server.whenIdle(.text("done"))
            let provider = try harness.provider(server)
            let outcomes = await withTaskGroup(of: String.self, returning: [String].self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        do {
                            return try await provider.complete(plainRequest()).text
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes == Array(repeating: "done", count: 30))
            #expect(server.rateLimitedCount > 0)
            #expect(server.requests.count == 30 + server.rateLimitedCount)
            #expect(harness.endpoints.health.map(\.state) == [.closed])
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
            // Each wait is the one asked for, or what is left of it.
            #expect(harness.waits.allSatisfy { $0 > .zero && $0 <= .seconds(1) })
        }
    }

    /// One call learns that the endpoint is limited; a call that starts meanwhile waits too,
    /// without sending a request that would be refused.
    @Test(arguments: Flavour.allCases)
    func oneCallsRateLimitHoldsOffTheOthers(flavour: Flavour) async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            server.enqueue(.status(429, message: "slow down", retryAfter: "5"))
            server.whenIdle(.text("after the wait"))
            let provider = try harness.provider(server)
            let wake = ManualClock.Instant(offset: .seconds(5))
            async let first = provider.complete(plainRequest())
            await clock.waitForSleepers(1, endingBy: wake)
            async let second = provider.complete(plainRequest())
            await clock.waitForSleepers(2, endingBy: wake)
            #expect(server.requests.count == 1)
            #expect(clock.sleeperDeadlines == [wake, wake])
            clock.advance(by: .seconds(5))
            #expect(try await first.text == "after the wait")
            #expect(try await second.text == "after the wait")
            #expect(server.requests.count == 3)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
        }
    }

    @Test(arguments: Flavour.allCases)
    func waitsDoNotUseUpRetries(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let limited = FakeModelServer.Behaviour.status(429, message: "slow down", retryAfter: "1")
            server.enqueue(limited, limited, limited, limited, .text("at last"))
            let provider = try harness.provider(server, ["max_retries": 0])
            #expect(try await provider.complete(plainRequest()).text == "at last")
            #expect(harness.waits == Array(repeating: .seconds(1), count: 4))
            #expect(server.requests.count == 5)
        }
    }

    /// 503 with `Retry-After` is the server saying when to come back: waited out, not counted. A
    /// 503 without it is a failure like any 5xx.
    @Test(arguments: Flavour.allCases)
    func unavailableWithRetryAfterIsWaitedOutWithoutCountingAgainstTheEndpoint(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour, breaker: .init(failureThreshold: 1))
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(503, message: "maintenance", retryAfter: "2"), .text("back"))
            let provider = try harness.provider(server, ["max_retries": 0])
            #expect(try await provider.complete(plainRequest()).text == "back")
            #expect(harness.waits == [.seconds(2)])
            #expect(harness.endpoints.health.map(\.state) == [.closed])
            server.enqueue(.status(503, message: "down"))
            #expect(await providerError { try await provider.complete(plainRequest()) }?.httpStatus == 503)
            #expect(harness.endpoints.health.map(\.state) == [.open])
        }
    }

    /// A wait longer than a call may wait (`rate_limit_wait_seconds`) fails the call at once, and
    /// the calls after it fail `rate_limited` without asking the endpoint again.
    @Test(arguments: Flavour.allCases)
    func waitLongerThanTheCallMayWaitFailsWithoutHammering(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(429, message: "daily quota", retryAfter: "3600"))
            let provider = try harness.provider(server, ["rate_limit_wait_seconds": 30])
            let limited = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(limited.httpStatus == 429)
            #expect(limited.message.contains("asked to wait 3600 s; a call waits at most 30 s"))
            let refused = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(refused.code == .rateLimited)
            #expect(server.requests.count == 1)
            #expect(harness.waits.isEmpty)
            #expect(harness.endpoints.health.map(\.state) == [.closed])
        }
    }
}
