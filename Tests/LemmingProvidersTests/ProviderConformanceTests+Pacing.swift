import Foundation
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Pacing: calls wait for room within `rpm`/`tpm` and within what the server's headers say,
/// instead of going out to be refused; 429s that waiting will not cure fail at once; a call that
/// cannot get room before its deadline fails `rate_limited`. All on a test clock.
extension ProviderConformanceTests {
    /// The times the server received its requests, in seconds of its clock.
    static func arrivals(_ server: FakeModelServer) -> [Double] {
        server.requests.map { Double($0.receivedAt.components.seconds) }
    }

    @Test(arguments: Flavour.allCases)
    func callsBeyondTheConfiguredRPMWaitForTheWindow(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            let provider = try harness.provider(server, ["rpm": 2])
            for _ in 0..<5 { #expect(try await provider.complete(plainRequest()).text == "ok") }
            #expect(Self.arrivals(server) == [0, 0, 60, 60, 120])
            #expect(harness.waits == [.seconds(60), .seconds(60)])
            let budget = try #require(harness.endpoints.health.first?.budgets.first)
            #expect(budget.model == "test-model")
            #expect(budget.requestsPerMinute == 2 && budget.requestLimit == 2)
            #expect(budget.requestsRemaining == 1)
            #expect(budget.waits == 2 && budget.waitedSeconds == 120)
        }
    }

    /// `tpm` counts a call for its prompt and its whole `max_tokens` before it goes, then for the
    /// tokens the server reported: three calls estimated at 527 tokens each fit in 1000 a minute
    /// because each used 29.
    @Test(arguments: Flavour.allCases)
    func tokensAreEstimatedThenSettledWithTheReportedUsage(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            server.whenIdle(.text("ok", inputTokens: 21, outputTokens: 8))
            let provider = try harness.provider(server, ["tpm": 1000])
            for _ in 0..<3 { _ = try await provider.complete(plainRequest()) }
            #expect(harness.waits.isEmpty)
            let window = harness.endpoints.window(server.baseURL, model: "test-model")
            #expect(window.remaining(now: harness.endpoints.timeline.now).tokens == 1000 - 3 * 29)
            // A reply that used a lot holds the window until it leaves it.
            server.enqueue(.text("long", inputTokens: 500, outputTokens: 400))
            _ = try await provider.complete(plainRequest())
            _ = try await provider.complete(plainRequest())
            #expect(harness.waits == [.seconds(60)])
        }
    }

    /// The server states its limit in the headers of its 200s: calls after the first keep to it,
    /// and none is refused.
    @Test(arguments: [Flavour.openAI, .anthropic, .openAICompatible])
    func theLimitTheServerStatesPacesTheCalls(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            let headers: FakeModelServer.RateLimit.Headers = flavour == .anthropic ? .anthropic : .openAI
            server.limitRate(.init(requests: 3, per: .seconds(60), headers: headers))
            let provider = try harness.provider(server)
            for _ in 0..<7 { #expect(try await provider.complete(plainRequest()).text == "ok") }
            #expect(server.rateLimitedCount == 0)
            #expect(Self.arrivals(server) == [0, 0, 0, 60, 60, 60, 120])
            let budget = try #require(harness.endpoints.health.first?.budgets.first)
            #expect(budget.requestsPerMinute == nil && budget.requestLimit == 3)
            #expect(budget.reported["requests"]?.limit == 3)
            #expect(budget.reported["requests"]?.remaining == 2)
        }
    }

    /// `remaining: 0` on a 200 closes the model's window until the reset, for every call.
    @Test func aLimitUsedUpInA200WaitsUntilItResets() async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(.openAI, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.enqueue(
                .headers(
                    ["x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "42s"], then: .text("first")),
                .text("second"))
            let provider = try harness.provider(server)
            #expect(try await provider.complete(plainRequest()).text == "first")
            #expect(try await provider.complete(plainRequest()).text == "second")
            #expect(harness.waits == [.seconds(42)])
            #expect(Self.arrivals(server) == [0, 42])
        }
    }

    @Test func anthropicResetTimesAreWaitedFor() async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(.anthropic, clock: clock)
        try await FakeModelServer.with(format: .anthropic, clock: clock) { server in
            // The reset is a time of day, read against the real clock when the answer comes: the
            // wait is 30 s less the real time that passed since (seconds, on a loaded machine).
            let sent = Date()
            let reset = Timestamp.format(sent.addingTimeInterval(30))
            server.enqueue(
                .headers(
                    [
                        "anthropic-ratelimit-output-tokens-remaining": "0",
                        "anthropic-ratelimit-output-tokens-reset": reset,
                    ], then: .text("first")),
                .text("second"))
            let provider = try harness.provider(server)
            _ = try await provider.complete(plainRequest())
            _ = try await provider.complete(plainRequest())
            let wait = try #require(harness.waits.first)
            let passed = Deadline.seconds(Date().timeIntervalSince(sent))
            #expect(wait > .seconds(29) - passed && wait <= .seconds(30))
        }
    }

    /// Headers that do not parse are ignored: no wait, no failure.
    @Test func malformedRateLimitHeadersAreIgnored() async throws {
        let harness = ProviderHarness(.openAI)
        try await FakeModelServer.with(format: .openAI) { server in
            let odd = [
                "x-ratelimit-limit-requests": "many", "x-ratelimit-remaining-requests": "-3",
                "x-ratelimit-reset-requests": "soon", "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "6x",
            ]
            server.enqueue(.headers(odd, then: .text("a")), .headers(odd, then: .text("b")), .text("c"))
            let provider = try harness.provider(server)
            for expected in ["a", "b", "c"] { #expect(try await provider.complete(plainRequest()).text == expected) }
            #expect(harness.waits.isEmpty)
        }
    }

    /// Gemini says how long to wait in its 429's body (`RetryInfo.retryDelay`).
    @Test func geminiRetryDelayInTheBodyIsWaitedOut() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            server.enqueue(.body(429, RateLimitReportTests.gemini(delay: "7s")), .text("after"))
            let provider = try harness.provider(server)
            #expect(try await provider.complete(plainRequest()).text == "after")
            #expect(harness.waits == [.seconds(7)])
        }
    }

    /// A 429 that says the quota or spend limit is used up fails at once: no wait, no retry, no
    /// count against the breaker.
    @Test(arguments: [Flavour.openAI, .anthropic, .gemini])
    func aUsedUpQuotaFailsAtOnce(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let body: JSONValue
            switch flavour {
            case .anthropic:
                body = [
                    "type": "error",
                    "error": [
                        "type": "rate_limit_error", "message": "You have reached your API usage limits.",
                        "details": ["error_code": "enforced_spend_limit_reached"],
                    ],
                ]
            case .gemini:
                body = RateLimitReportTests.gemini(
                    delay: nil, quotaID: "GenerateRequestsPerDayPerProjectPerModel-FreeTier")
            default:
                body = [
                    "error": [
                        "message": "You exceeded your current quota.", "type": "insufficient_quota",
                        "code": "insufficient_quota",
                    ]
                ]
            }
            server.whenIdle(.headers(["retry-after": "1"], then: .body(429, body)))
            let provider = try harness.provider(server)
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .quotaExceeded)
            #expect(error.httpStatus == 429)
            #expect(error.message.contains("waiting will not help"))
            #expect(server.requests.count == 1)
            #expect(harness.waits.isEmpty)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
        }
    }

    /// A per-day quota whose delay is beyond the call's deadline fails at once, naming it.
    @Test func aGeminiDelayBeyondTheDeadlineFailsAtOnce() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            let body = RateLimitReportTests.gemini(
                delay: "36000s", quotaID: "GenerateRequestsPerDayPerProjectPerModel-FreeTier")
            server.whenIdle(.body(429, body))
            let provider = try harness.provider(server)
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .rateLimited)
            #expect(error.message.contains("GenerateRequestsPerDayPerProjectPerModel-FreeTier"))
            #expect(error.message.contains("asked to wait 36000 s; a call waits at most 600 s"))
            #expect(server.requests.count == 1)
            #expect(harness.waits.isEmpty)
        }
    }

    /// A call whose room in the window comes after its deadline fails at once with
    /// `rate_limited`, naming the endpoint, the limit and the wait; no request goes out.
    @Test(arguments: Flavour.allCases)
    func aCallThatCannotGetRoomBeforeItsDeadlineFailsRateLimited(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            let provider = try harness.provider(server, ["rpm": 1, "rate_limit_wait_seconds": 30])
            _ = try await provider.complete(plainRequest())
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .rateLimited)
            #expect(error.message.contains(server.baseURL))
            #expect(error.message.contains("(model test-model) is limited to 1 request a minute"))
            #expect(error.message.contains("no room for 60 s; a call waits at most 30 s (rate_limit_wait_seconds)"))
            #expect(server.requests.count == 1)
            #expect(harness.waits.isEmpty)
        }
    }

    /// Calls waiting for room are counted while they wait.
    @Test func waitingCallsAreShownInTheBudget() async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(.openAI, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            let provider = try harness.provider(server, ["rpm": 1])
            _ = try await provider.complete(plainRequest())
            async let second = provider.complete(plainRequest())
            async let third = provider.complete(plainRequest())
            await clock.waitForSleepers(2, endingBy: .init(offset: .seconds(60)))
            #expect(harness.endpoints.health.first?.budgets.first?.waiting == 2)
            clock.advance(by: .seconds(60))
            await clock.waitForSleepers(1, endingBy: .init(offset: .seconds(120)))
            while server.requests.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
            #expect(harness.endpoints.health.first?.budgets.first?.waiting == 1)
            clock.advance(by: .seconds(60))
            _ = try await (second, third)
            #expect(harness.endpoints.health.first?.budgets.first?.waiting == 0)
            #expect(Self.arrivals(server) == [0, 60, 120])
        }
    }

    /// The headers of a 429 count too: its stated limit paces the calls after it, its
    /// `remaining: 0` holds them until the reset, and the refused request counts in the window.
    @Test func theHeadersOfA429PaceTheCallsAfterIt() async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(.openAI, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            let limited = [
                "x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "30s",
            ]
            server.enqueue(.headers(limited, then: .status(429, message: "slow down", retryAfter: "1")))
            let provider = try harness.provider(server)
            _ = try await provider.complete(plainRequest())
            _ = try await provider.complete(plainRequest())
            #expect(Self.arrivals(server) == [0, 30, 60])
            #expect(harness.waits == [.seconds(30), .seconds(30)])
            #expect(harness.endpoints.health.first?.budgets.first?.requestLimit == 2)
        }
    }

    /// Embedding batches are paced like chat calls, by the model's `rpm`.
    @Test(arguments: Flavour.embedding)
    func embeddingBatchesArePaced(flavour: Flavour) async throws {
        let clock = ManualClock(skipping: .seconds(60))
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            let embedder = try harness.embedder(server, ["rpm": 1, "embedding_batch_size": 2])
            let embeddings = try await embedder.embed(["a", "b", "c", "d", "e"])
            #expect(embeddings.vectors.count == 5)
            #expect(Self.arrivals(server) == [0, 60, 120])
        }
    }

    /// A call held back by `max_concurrent_requests` after it took its place in the window counts
    /// from when it went: the window keeps to `rpm` as the server sees the calls.
    @Test func aCallHeldByMaxConcurrentRequestsCountsFromWhenItWent() async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(.openAI, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.enqueue(.delay(.seconds(30), then: .text("slow")))
            server.whenIdle(.text("ok"))
            let provider = try harness.provider(server, ["rpm": 2, "max_concurrent_requests": 1])
            async let first = provider.complete(plainRequest())
            await clock.waitForSleepers(1, endingBy: .init(offset: .seconds(30)))
            async let second = provider.complete(plainRequest())
            async let third = provider.complete(plainRequest())
            // The third waits for the window (until 60), the second for the first to answer (at 30).
            await clock.waitForSleepers(2, endingBy: .init(offset: .seconds(60)))
            clock.advance(to: .init(offset: .seconds(30)))
            while server.requests.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
            clock.advance(to: .init(offset: .seconds(60)))
            _ = try await (first, second, third)
            #expect(Self.arrivals(server) == [0, 30, 60])
            // The second went at 30: it still counts at 60, with the third.
            let window = harness.endpoints.window(server.baseURL, model: "test-model")
            #expect(window.remaining(now: .seconds(60)).requests == 0)
            #expect(window.earliestStart(tokens: 0, now: .seconds(60)) == .seconds(90))
        }
    }

    @Test func rpmAndTPMAreValidated() throws {
        for bad: JSONValue in [0, -5, 2.5, "20", 2_000_000_000] {
            let bytes = JSONWriter(style: .compact).bytes(
                ["m": ["provider": "openai", "model": "x", "rpm": bad, "tpm": bad]])
            let (_, issues) = ModelRegistry.load(bytes)
            #expect(issues.filter(\.isError).map(\.field).sorted() == ["m.rpm", "m.tpm"], "\(bad)")
        }
    }
}
