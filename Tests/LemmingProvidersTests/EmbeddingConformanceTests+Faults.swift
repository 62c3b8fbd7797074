import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The faults of the embeddings formats: the same retries, breakers, timeouts and key handling
/// as chat calls, and answers that are not one vector per text.
extension EmbeddingConformanceTests {
    @Test(arguments: Flavour.embedding)
    func unauthorizedIsNotRetriedAndNeverShowsTheKey(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.unauthorized)
            let error = try #require(await providerError { try await harness.embedder(server).embed(["secret plans"]) })
            #expect(error.code == .http)
            #expect(error.httpStatus == 401)
            #expect(error.message.contains("check the API key"))
            #expect(!String(describing: error).contains(fakeKey))
            #expect(!String(reflecting: error).contains(fakeKey))
            #expect(server.requests.count == 1)
            #expect(server.requests.allSatisfy { !String(decoding: $0.rawBody, as: UTF8.self).contains(fakeKey) })
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.embedding)
    func rateLimitWaitsForRetryAfterThenSucceeds(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(429, message: "slow down", retryAfter: "7"))
            let embeddings = try await harness.embedder(server).embed(["after the wait"])
            #expect(embeddings.vectors == fakeVectors(["after the wait"]))
            #expect(harness.waits == [.seconds(7)])
            #expect(server.requests.count == 2)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
        }
    }

    @Test(arguments: Flavour.embedding)
    func serverErrorsAreRetriedPerBatch(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(
                .embeddings(.init()), .status(500, message: "internal error"), .status(503), .embeddings(.init()))
            let texts = ["one", "two", "three", "four"]
            let embeddings = try await harness.embedder(server, ["embedding_batch_size": 2]).embed(texts)
            #expect(embeddings.vectors == fakeVectors(texts))
            // The first batch is not sent again.
            #expect(
                server.requests.map(flavour.inputs(of:)) == [
                    ["one", "two"], ["three", "four"], ["three", "four"], ["three", "four"],
                ])
            #expect(harness.waits.count == 2)
            #expect(harness.endpoints.health.map(\.state) == [.closed])
        }
    }

    @Test(arguments: Flavour.embedding)
    func retriesStopAfterTheLastAttempt(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.status(503, message: "unavailable"))
            let embedder = try harness.embedder(server, ["max_retries": 2])
            let error = try #require(await providerError { try await embedder.embed(["x"]) })
            #expect(error.httpStatus == 503)
            #expect(error.message.contains("after 3 attempts"))
            #expect(server.requests.count == 3)
        }
    }

    @Test(arguments: Flavour.embedding)
    func breakerOpensAfterRepeatedFailuresAndIsSharedWithChat(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour, breaker: .init(failureThreshold: 3, cooldown: .seconds(30)))
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.status(500, message: "down"))
            let embedder = try harness.embedder(server, ["max_retries": 0])
            for _ in 0..<3 {
                #expect(await providerError { try await embedder.embed(["x"]) }?.code == .http)
            }
            #expect(harness.endpoints.health.first?.state == .open)
            #expect(await providerError { try await embedder.embed(["x"]) }?.code == .circuitOpen)
            // A chat call to the same endpoint finds the circuit open too.
            let chat = try harness.provider(server, ["max_retries": 0])
            #expect(await providerError { try await chat.complete(plainRequest()) }?.code == .circuitOpen)
            #expect(server.requests.count == 3)

            harness.clock.advance(by: .seconds(31))
            server.whenIdle(.embeddings(.init()))
            #expect(try await embedder.embed(["back"]).vectors == fakeVectors(["back"]))
            #expect(harness.endpoints.health.first?.state == .closed)
        }
    }

    @Test(arguments: Flavour.embedding)
    func unreachableServerIsAConnectionErrorAndIsRetried(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.withUnreachableEndpoint(format: flavour.format) { baseURL in
            let embedder = try harness.embedder(baseURL: baseURL, ["max_retries": 1])
            let error = try #require(await providerError { try await embedder.embed(["x"]) })
            #expect(error.code == .connection)
            #expect(error.message.contains("after 2 attempts"))
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [2])
        }
    }

    /// The server waits 5 s on the test's clock; the call's 0.5 s deadline passes first.
    @Test(arguments: Flavour.embedding)
    func slowServerTimesOut(flavour: Flavour) async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(flavour, clock: clock)
        try await FakeModelServer.with(format: flavour.format, clock: clock) { server in
            server.enqueue(.delay(.seconds(5), then: .embeddings(.init())))
            let embedder = try harness.embedder(server, ["timeout_seconds": 0.5, "max_retries": 0])
            async let failure = providerError { try await embedder.embed(["too late"]) }
            await clock.waitForSleepers(2)
            clock.advance(by: .milliseconds(500))
            let error = try #require(await failure)
            #expect(error.code == .timeout)
            #expect(error.message.contains("within 500 ms"))
        }
    }

    @Test(arguments: Flavour.embedding)
    func wrongVectorCountIsAnInvalidResponseThatIsNotRetried(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.whenIdle(.embeddings(.init(count: 2, inputTokens: 9)))
            let error = try #require(await providerError { try await harness.embedder(server).embed(Self.texts) })
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("answered 2 embeddings for 3 texts"))
            #expect(error.usage?.inputTokens == 9)
            #expect(server.requests.count == 1)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.embedding)
    func malformedAnswersAreClearInvalidResponses(flavour: Flavour) async throws {
        let missing = flavour == .openAI || flavour == .openAICompatible ? "data" : "embeddings"
        let cases: [(FakeModelServer.Behaviour, String)] = [
            (.notJSON(), "not JSON (<html><body>502 Bad Gateway"),
            (.truncated(.init(text: "")), "not JSON"),
            (.notJSON("{\"object\": \"list\"}"), "answered without \(missing)"),
            (.embeddings(.init(nonNumber: true)), "holds a non-number"),
        ]
        for (behaviour, message) in cases {
            let harness = ProviderHarness(flavour)
            try await FakeModelServer.with(format: flavour.format) { server in
                server.whenIdle(behaviour)
                let error = try #require(await providerError { try await harness.embedder(server).embed(["a", "b"]) })
                #expect(error.code == .invalidResponse)
                #expect(error.message.contains(message), "\(error.message)")
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test(arguments: Flavour.embedding)
    func aBatchThatFailsChargesTheBatchesBeforeIt(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.embeddings(.init(inputTokens: 6)), .status(400, message: "input too long"))
            let embedder = try harness.embedder(server, ["embedding_batch_size": 2])
            let error = try #require(await providerError { try await embedder.embed(["a", "b", "c"]) })
            #expect(error.httpStatus == 400)
            #expect(error.message.contains("input too long"))
            #expect(error.usage?.inputTokens == 6)
            #expect(server.requests.count == 2)
        }
    }

    @Test func vectorsOfAnotherLengthInALaterBatchAreAnInvalidResponse() async throws {
        let harness = ProviderHarness(.openAI)
        try await FakeModelServer.with(format: .openAI) { server in
            server.enqueue(.embeddings(.init(dimensions: 8)), .embeddings(.init(dimensions: 4)))
            let embedder = try harness.embedder(server, ["embedding_batch_size": 1])
            let error = try #require(await providerError { try await embedder.embed(["a", "b"]) })
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("vectors of 8 and then 4 numbers"))
        }
    }

    @Test func wrongModelNameIsTheServersMessageNotRetried() async throws {
        let harness = ProviderHarness(.ollama)
        try await FakeModelServer.with(format: .ollama) { server in
            server.whenIdle(.status(404, message: "model \"test-model\" not found, try pulling it first"))
            let error = try #require(await providerError { try await harness.embedder(server).embed(["a"]) })
            #expect(error.message == "Ollama answered HTTP 404: model \"test-model\" not found, try pulling it first")
            #expect(server.requests.count == 1)
        }
    }
}
