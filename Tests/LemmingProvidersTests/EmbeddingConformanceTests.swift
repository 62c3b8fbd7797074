import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Every embeddings format against a fake server that speaks it: what is sent where, the vectors
/// and usage read back, batching; faults in `EmbeddingConformanceTests+Faults.swift`.
@Suite(.timeLimit(.minutes(1)))
struct EmbeddingConformanceTests {
    static let texts = ["Draft the login page spec", "Quarterly budget numbers", "Login page: add a remember-me box"]

    @Test(arguments: Flavour.embedding)
    func requestIsTheFormatsAndVectorsComeBackInOrder(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.embeddings(.init(inputTokens: flavour.reportsEmbeddingTokens ? 17 : nil)))
            let embeddings = try await harness.embedder(server).embed(Self.texts)
            #expect(embeddings.vectors == fakeVectors(Self.texts))
            #expect(embeddings.dimension == 8)
            #expect(embeddings.model == "test-model")
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.target == flavour.embeddingsTarget)
            #expect(request.header("Content-Type") == "application/json")
            #expect(flavour.inputs(of: request) == Self.texts)
            #expect(!String(decoding: request.rawBody, as: UTF8.self).contains(fakeKey))
            #expect(!request.target.contains(fakeKey))
            let body = request.body ?? .null
            switch flavour {
            case .openAI, .openAICompatible:
                #expect(body == ["model": "test-model", "input": .array(Self.texts.map(JSONValue.string))])
                #expect(request.header("Authorization") == (flavour == .openAI ? "Bearer " + fakeKey : nil))
            case .ollama:
                #expect(body == ["model": "test-model", "input": .array(Self.texts.map(JSONValue.string))])
                #expect(request.header("Authorization") == "Bearer " + fakeKey)
            case .gemini:
                let requests = Self.texts.map { text -> JSONValue in
                    ["model": "models/test-model", "content": ["parts": [["text": .string(text)]]]]
                }
                #expect(body == ["requests": .array(requests)])
                #expect(request.header("x-goog-api-key") == fakeKey)
                #expect(request.header("Authorization") == nil)
            case .anthropic:
                Issue.record("Anthropic has no embeddings")
            }
            if flavour.reportsEmbeddingTokens {
                #expect(embeddings.usage == TokenUsage(inputTokens: 17, outputTokens: 0))
            } else {
                let estimate = Self.texts.reduce(0) { $0 + TokenEstimator.tokens(in: $1) }
                #expect(embeddings.usage == TokenUsage(inputTokens: estimate, outputTokens: 0, isEstimated: true))
            }
            #expect(harness.waits.isEmpty)
        }
    }

    @Test func geminiReportedTokensAreUsedWhenTheyCome() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            server.enqueue(.embeddings(.init(inputTokens: 11)))
            let embeddings = try await harness.embedder(server).embed(["one", "two"])
            #expect(embeddings.usage == TokenUsage(inputTokens: 11, outputTokens: 0))
        }
    }

    @Test(arguments: Flavour.embedding)
    func dimensionsAreAskedForInTheFormatsField(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.embeddings(.init(dimensions: 16)))
            let embeddings = try await harness.embedder(server, ["embedding_dimensions": 16]).embed(["a", "b"])
            #expect(embeddings.dimension == 16)
            let body = try #require(server.requests.first?.body)
            switch flavour {
            case .gemini:
                let requests = body["requests"]?.arrayValue ?? []
                #expect(requests.count == 2)
                #expect(requests.allSatisfy { $0["outputDimensionality"] == 16 })
            default:
                #expect(body["dimensions"] == 16)
            }
        }
    }

    @Test(arguments: Flavour.embedding)
    func textsGoInBatchesOfTheEntrysSize(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let texts = (1...5).map { "memory record number \($0)" }
            let tokens: [Int]? = flavour.reportsEmbeddingTokens ? [4, 5, 6] : nil
            for index in 0..<3 { server.enqueue(.embeddings(.init(inputTokens: tokens?[index]))) }
            let embeddings = try await harness.embedder(server, ["embedding_batch_size": 2]).embed(texts)
            #expect(server.requests.map(flavour.inputs(of:)) == [Array(texts[0..<2]), Array(texts[2..<4]), [texts[4]]])
            #expect(embeddings.vectors == fakeVectors(texts))
            if flavour.reportsEmbeddingTokens {
                #expect(embeddings.usage == TokenUsage(inputTokens: 15, outputTokens: 0))
            } else {
                #expect(embeddings.usage.isEstimated)
                #expect(embeddings.usage.inputTokens == texts.reduce(0) { $0 + TokenEstimator.tokens(in: $1) })
            }
        }
    }

    @Test(arguments: Flavour.embedding)
    func aBatchHoldsAHundredTextsByDefault(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let texts = (1...150).map { "note \($0)" }
            let embeddings = try await harness.embedder(server).embed(texts)
            #expect(server.requests.map { flavour.inputs(of: $0).count } == [100, 50])
            #expect(embeddings.vectors.count == 150)
            #expect(embeddings.vectors.last == FakeModelServer.vector(of: "note 150"))
        }
    }

    @Test(arguments: Flavour.embedding)
    func noTextsMakeNoCall(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let embeddings = try await harness.embedder(server).embed([])
            #expect(embeddings.vectors.isEmpty)
            #expect(embeddings.usage == .zero)
            #expect(server.requests.isEmpty)
        }
    }

    @Test func openAIDataIsPutInOrderByIndex() async throws {
        let harness = ProviderHarness(.openAI)
        try await FakeModelServer.with(format: .openAI) { server in
            server.enqueue(.embeddings(.init(reversed: true)))
            let embeddings = try await harness.embedder(server).embed(Self.texts)
            #expect(embeddings.vectors == fakeVectors(Self.texts))
        }
    }

    @Test func azureEmbeddingsCarryTheAPIVersionAndKeyHeader() async throws {
        let harness = ProviderHarness(.openAI)
        try await FakeModelServer.with(format: .openAI) { server in
            let embedder = try harness.embedder(server, ["options": ["api_version": "2024-06-01"]])
            _ = try await embedder.embed(["hello"])
            let request = try #require(server.requests.first)
            #expect(request.target == "/v1/embeddings?api-version=2024-06-01")
            #expect(request.header("api-key") == fakeKey)
            #expect(request.header("Authorization") == nil)
        }
    }

    @Test func theFakeAnswersGeminisSingleEmbedContentToo() async throws {
        try await FakeModelServer.with(format: .gemini) { server in
            let format = GeminiFormat()
            let url = server.baseURL + "/v1beta/models/test-model:embedContent"
            let settings = try HTTPSettings(
                entry: try modelEntry(Flavour.gemini.document(server)), environment: ["GEMINI_API_KEY": fakeKey])
            let transport = ProviderTransport(
                format: format, settings: settings, client: ProviderHTTPClient.shared,
                timeline: Timeline(ContinuousClock()))
            let body: JSONValue = ["content": ["parts": [["text": "hello there"]]]]
            let answer = try await transport.postJSON(url: url, body: body) { ProviderError(.replyTooLarge, "") }
            let values = answer["embedding"]?["values"]?.arrayValue?.compactMap(\.doubleValue).map { Float($0) }
            #expect(values == FakeModelServer.vector(of: "hello there"))
        }
    }
}
