import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The faults of the conformance suite: HTTP errors, retries, timeouts, broken bodies, breakers.
extension ProviderConformanceTests {
    @Test(arguments: Flavour.allCases)
    func unauthorizedIsNotRetriedAndNeverShowsTheKey(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.unauthorized)
            let provider = try harness.provider(server)
            for streaming in [false, true] {
                let error = try #require(
                    await providerError {
                        streaming
                            ? try await provider.stream(plainRequest(), onText: { _ in })
                            : try await provider.complete(plainRequest())
                    })
                #expect(error.code == .http)
                #expect(error.httpStatus == 401)
                #expect(!error.isRetryable)
                #expect(error.message.contains("check the API key"))
                #expect(!error.message.contains(fakeKey) && !error.description.contains(fakeKey))
                #expect(!String(describing: error).contains(fakeKey))
            }
            #expect(server.requests.count == 2)
            #expect(harness.waits.isEmpty)
            #expect(harness.endpoints.health.allSatisfy { $0.state == .closed && $0.consecutiveFailures == 0 })
        }
    }

    /// Gemini rejects a wrong key with HTTP 400 and INVALID_ARGUMENT.
    @Test func geminiInvalidKeyAnswerAlsoSaysToCheckTheKey() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            server.enqueue(.status(400, message: "API key not valid. Please pass a valid API key."))
            let error = try #require(
                await providerError { try await harness.provider(server).complete(chatRequest()) })
            #expect(error.httpStatus == 400)
            #expect(error.message.contains("check the API key"))
            #expect(server.requests.count == 1)
        }
    }

    @Test(arguments: Flavour.allCases)
    func rateLimitWaitsForRetryAfterThenSucceeds(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(
                .status(429, message: "slow down", retryAfter: "7"), .text("after the wait"),
                .status(429, message: "slow down", retryAfter: "3"), .text("streamed after the wait", chunks: 3))
            let provider = try harness.provider(server)
            #expect(try await provider.complete(plainRequest()).text == "after the wait")
            let pieces = TextPieces()
            #expect(try await provider.stream(plainRequest(), onText: pieces.collect).text == "streamed after the wait")
            #expect(pieces.all == FakeModelServer.pieces(of: "streamed after the wait", count: 3))
            #expect(harness.waits == [.seconds(7), .seconds(3)])
            #expect(server.requests.count == 4)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
        }
    }

    @Test(arguments: Flavour.allCases)
    func serverErrorIsRetriedThenSucceeds(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(500, message: "internal error"), .text("recovered"))
            let response = try await harness.provider(server).complete(plainRequest())
            #expect(response.text == "recovered")
            #expect(server.requests.count == 2)
            let delays = harness.waits
            try #require(delays.count == 1)
            #expect(delays[0] > .zero && delays[0] <= RetryPolicy().baseDelay)
            #expect(harness.endpoints.health.map(\.state) == [.closed])
        }
    }

    @Test(arguments: Flavour.allCases)
    func retriesStopAfterTheLastAttempt(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.status(503, message: "unavailable"))
            let provider = try harness.provider(server, ["max_retries": 2])
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .http)
            #expect(error.httpStatus == 503)
            #expect(error.message.contains("after 3 attempts"))
            #expect(server.requests.count == 3)
            #expect(harness.waits.count == 2)
        }
    }

    @Test(arguments: Flavour.allCases)
    func unreachableServerIsAConnectionErrorAndIsRetried(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.withUnreachableEndpoint(format: flavour.format) { baseURL in
            let provider = try harness.provider(baseURL: baseURL, ["max_retries": 1])
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .connection)
            #expect(error.message.contains("after 2 attempts"))
            #expect(harness.waits.count == 1)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [2])
        }
    }

    @Test(arguments: Flavour.allCases)
    func wrongBaseURLIsANotFoundThatIsNotRetried(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let provider = try harness.provider(server, ["base_url": .string(server.baseURL + "/wrong")])
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.httpStatus == 404)
            #expect(error.message.contains("/wrong"))
            #expect(server.requests.first?.path.contains("/wrong/") == true)
            #expect(server.requests.count == 1)
        }
    }

    /// The server waits 5 s on the test's clock; the call's 0.5 s deadline, on the same clock,
    /// passes first. Nothing sleeps for real.
    @Test(arguments: Flavour.allCases)
    func slowServerTimesOut(flavour: Flavour) async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            server.enqueue(.delay(.seconds(5), then: .text("too late")))
            let provider = try harness.provider(server, ["timeout_seconds": 0.5, "max_retries": 0])
            async let failure = providerError { try await provider.complete(plainRequest()) }
            // The call's deadline and the server's delay.
            await clock.waitForSleepers(2)
            clock.advance(by: .milliseconds(499))
            #expect(clock.sleeperDeadlines.count == 2)
            clock.advance(by: .milliseconds(1))
            let error = try #require(await failure)
            #expect(error.code == .timeout)
            #expect(error.isRetryable)
            #expect(error.message.contains("within 500 ms"))
            #expect(server.requests.count == 1)
        }
    }

    @Test(arguments: Flavour.allCases)
    func bodyThatStallsAfterItsHeadTimesOut(flavour: Flavour) async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            let reply = FakeModelServer.Reply(text: "never finished", chunks: 3)
            server.whenIdle(.stall(.seconds(5), reply: reply))
            let provider = try harness.provider(server, ["timeout_seconds": 0.5, "max_retries": 0])
            for streaming in [false, true] {
                async let failure = providerError {
                    streaming
                        ? try await provider.stream(plainRequest(), onText: { _ in })
                        : try await provider.complete(plainRequest())
                }
                // The call's deadline and the server's stall (and the earlier call's stall).
                await clock.waitForSleepers(streaming ? 3 : 2)
                clock.advance(by: .milliseconds(500))
                #expect(try #require(await failure).code == .timeout)
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test(arguments: Flavour.allCases)
    func truncatedBodyIsAnInvalidResponse(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.truncated(FakeModelServer.Reply(text: "half of a reply", chunks: 3)))
            let provider = try harness.provider(server)
            let pieces = TextPieces()
            let streamed = try #require(
                await providerError { try await provider.stream(plainRequest(), onText: pieces.collect) })
            #expect(streamed.code == .invalidResponse)
            #expect(streamed.message.contains("ended before"))
            #expect("half of a reply".hasPrefix(pieces.joined))
            let whole = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(whole.code == .invalidResponse)
            #expect(server.requests.count == 2)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.allCases)
    func bodyThatIsNotJSONIsAnInvalidResponse(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.notJSON())
            let provider = try harness.provider(server)
            let whole = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(whole.code == .invalidResponse)
            #expect(whole.message.contains("502 Bad Gateway"))
            let streamed = try #require(
                await providerError { try await provider.stream(plainRequest(), onText: { _ in }) })
            #expect(streamed.code == .invalidResponse)
            #expect(server.requests.count == 2)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.allCases)
    func breakerOpensAfterRepeatedFailuresAndClosesAfterTheCooldown(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour, breaker: .init(failureThreshold: 3, cooldown: .seconds(30)))
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.status(500, message: "down"))
            let provider = try harness.provider(server, ["max_retries": 0])
            for _ in 0..<3 {
                #expect(await providerError { try await provider.complete(plainRequest()) }?.code == .http)
            }
            let health = try #require(harness.endpoints.health.first)
            #expect(health.state == .open)
            #expect(health.endpoint == server.baseURL)
            #expect(health.consecutiveFailures == 3)
            #expect(health.retryAt != nil)
            let refused = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(refused.code == .circuitOpen)
            #expect(server.requests.count == 3)

            harness.clock.advance(by: .seconds(29))
            #expect(await providerError { try await provider.complete(plainRequest()) }?.code == .circuitOpen)
            #expect(server.requests.count == 3)

            harness.clock.advance(by: .seconds(2))
            server.whenIdle(.text("back again"))
            #expect(try await provider.complete(plainRequest()).text == "back again")
            #expect(server.requests.count == 4)
            #expect(harness.endpoints.health.first?.state == .closed)
            #expect(harness.endpoints.health.first?.consecutiveFailures == 0)
        }
    }

    @Test(arguments: Flavour.allCases)
    func probeThatIsRejectedLetsTheNextCallProbe(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour, breaker: .init(failureThreshold: 1, cooldown: .seconds(30)))
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(502, message: "bad gateway"), .unauthorized, .text("fine"))
            let provider = try harness.provider(server, ["max_retries": 0])
            #expect(await providerError { try await provider.complete(plainRequest()) }?.code == .http)
            #expect(harness.endpoints.health.first?.state == .open)
            harness.clock.advance(by: .seconds(31))
            let rejected = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(rejected.httpStatus == 401)
            #expect(try await provider.complete(plainRequest()).text == "fine")
            #expect(server.requests.count == 3)
            #expect(harness.endpoints.health.first?.state == .closed)
        }
    }
}
