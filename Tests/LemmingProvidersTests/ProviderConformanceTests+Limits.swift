import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Replies too large to take: a degenerate model repeating one word for megabytes. Reading stops
/// at the cap, whole or streamed, and the call fails `reply_too_large` with the tokens it knows.
extension ProviderConformanceTests {
    /// A reply of 128 MiB is offered; the client must hang up before the server has written it
    /// all (what the server writes meanwhile is what was read plus what the sockets buffer: up to
    /// tens of megabytes on Linux, whose loopback receive buffer grows to `tcp_rmem`'s maximum).
    static let floodBytes = 128 * 1024 * 1024

    func expectHungUp(_ server: FakeModelServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let end = try await server.floodEnd()
        guard case .clientHungUp(let written) = end else {
            Issue.record("the client read the whole flood: \(end)", sourceLocation: sourceLocation)
            return
        }
        #expect(written < Self.floodBytes, sourceLocation: sourceLocation)
    }

    @Test(arguments: Flavour.allCases)
    func streamedReplyOverTheReplyLimitStopsReadingAndFails(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.flood(piece: "court ", bytes: Self.floodBytes))
            let provider = try harness.provider(server, ["max_retries": 0])
            var request = plainRequest()
            request.maxReplyBytes = 256 * 1024
            let pieces = TextPieces()
            let error = try #require(await providerError { try await provider.stream(request, onText: pieces.collect) })
            #expect(error.code == .replyTooLarge)
            #expect(error.message.contains("larger than 262144 bytes"))
            #expect(error.message.contains("limits.max_reply_bytes"))
            // What was delivered stays within the limit; the tokens are charged.
            #expect(pieces.joined.utf8.count <= 256 * 1024)
            // Charged as much as the model may have written: all it was allowed (512 tokens).
            let usage = try #require(error.usage)
            #expect(usage.outputTokens == 512)
            #expect(usage.inputTokens > 0)
            #expect(usage.isEstimated)
            try await expectHungUp(server)
            #expect(server.requests.count == 1)
            #expect(harness.endpoints.health.map(\.consecutiveFailures) == [0])
        }
    }

    /// Without a reply limit, the provider's cap on a response (16 MiB) also holds for a stream.
    @Test(arguments: [Flavour.openAICompatible, .ollama])
    func streamedResponseOverTheResponseCapFails(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.flood(piece: "court ", bytes: Self.floodBytes))
            let provider = try harness.provider(server, ["max_retries": 0])
            let error = try #require(
                await providerError { try await provider.stream(plainRequest(), onText: { _ in }) })
            #expect(error.code == .replyTooLarge)
            #expect(error.message.contains("larger than \(16 * 1024 * 1024) bytes"))
            try await expectHungUp(server)
        }
    }

    @Test(arguments: Flavour.allCases)
    func wholeResponseOverTheResponseCapStopsReadingAndFails(flavour: Flavour) async throws {
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.flood(piece: "court ", bytes: Self.floodBytes))
            let entry = try modelEntry(flavour.document(server))
            let environment = flavour.keyVariable.map { [$0: fakeKey] } ?? [:]
            var settings = try HTTPSettings(entry: entry, environment: environment)
            settings.maxResponseBytes = 1024 * 1024
            let provider: any ModelProvider =
                switch flavour {
                case .openAI, .openAICompatible: HTTPModelProvider(format: OpenAIFormat(), settings: settings)
                case .anthropic: HTTPModelProvider(format: AnthropicFormat(), settings: settings)
                case .gemini: HTTPModelProvider(format: GeminiFormat(), settings: settings)
                case .ollama: HTTPModelProvider(format: OllamaFormat(), settings: settings)
                }
            let error = try #require(await providerError { try await provider.complete(plainRequest()) })
            #expect(error.code == .replyTooLarge)
            #expect(error.message.contains("the response is larger than 1048576 bytes"))
            #expect(error.usage?.isEstimated == true)
            try await expectHungUp(server)
        }
    }

    /// A reply within the limit is read whole, streamed or not.
    @Test(arguments: Flavour.allCases)
    func replyUpToTheLimitIsTaken(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let text = String(repeating: "x", count: 1024)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.text(text, chunks: 8))
            var request = plainRequest()
            request.maxReplyBytes = 1024
            let provider = try harness.provider(server)
            let response = try await provider.stream(request, onText: { _ in })
            #expect(response.text == text)
        }
    }
}
