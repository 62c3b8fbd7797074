import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// `ProviderFactory.makeEmbedder`: which entries make embedders, and their fields.
struct EmbedderFactoryTests {
    let org = OrgPaths(root: "/nonexistent-org")

    func embedder(_ document: JSONObject, environment: [String: String] = [:]) throws -> any EmbeddingProvider {
        let entry = try modelEntry(document)
        return try ProviderFactory(environment: environment).makeEmbedder(for: entry, registry: .builtIn, org: org)
    }

    @Test(arguments: ["cli", "anthropic"])
    func providersWithoutAnEmbeddingsAPICannotEmbed(provider: String) throws {
        var document: JSONObject = ["provider": .string(provider), "model": "some-model"]
        if provider == "cli" { document["command"] = ["python3", "model.py"] }
        let error = #expect(throws: LemmingError.self) {
            try embedder(document, environment: ["ANTHROPIC_API_KEY": fakeKey])
        }
        #expect(error?.code == .provider)
        #expect(error?.message.hasPrefix("model 'm' cannot make embeddings") == true)
        #expect(error?.field == "m.provider")
    }

    @Test func aFactoryWithoutEmbeddersSaysItCannot() throws {
        let entry = try modelEntry(["provider": "openai", "model": "text-embedding-3-small"])
        let error = #expect(throws: LemmingError.self) {
            try HangingProviders().makeEmbedder(for: entry, registry: .builtIn, org: org)
        }
        #expect(error?.description == LemmingError.cannotEmbed(entry).description)
    }

    @Test func networkEntriesMakeBatchingResilientEmbedders() throws {
        let made = try embedder(
            ["provider": "gemini", "model": "gemini-embedding-001", "embedding_batch_size": 50],
            environment: ["GEMINI_API_KEY": fakeKey])
        let resilient = try #require(made as? ResilientEmbedder)
        #expect(resilient.batchSize == 50)
        #expect(resilient.endpoint == "https://generativelanguage.googleapis.com")
        #expect(resilient.inner is HTTPEmbeddingProvider<GeminiFormat>)
    }

    @Test func hostedEmbeddersNeedTheirKey() throws {
        let error = #expect(throws: LemmingError.self) {
            try embedder(["provider": "openai", "model": "text-embedding-3-small"])
        }
        #expect(error?.field == "m.api_key_env")
        #expect(error?.message.contains("OPENAI_API_KEY") == true)
    }

    @Test(arguments: [
        (["provider": "gemini", "embedding_batch_size": 101] as JSONObject, "m.embedding_batch_size", "1 to 100"),
        (["provider": "openai", "embedding_batch_size": 0] as JSONObject, "m.embedding_batch_size", "1 to 2048"),
        (["provider": "ollama", "embedding_dimensions": "big"] as JSONObject, "m.embedding_dimensions", "1 to 65536"),
        (["provider": "scripted", "embedding_dimensions": -1] as JSONObject, "m.embedding_dimensions", "1 to 65536"),
    ])
    func outOfRangeFieldsAreNamed(document: JSONObject, field: String, range: String) throws {
        var document = document
        document["model"] = "some-model"
        let error = #expect(throws: LemmingError.self) {
            try embedder(document, environment: ["OPENAI_API_KEY": fakeKey, "GEMINI_API_KEY": fakeKey])
        }
        #expect(error?.field == field)
        #expect(error?.message.contains(range) == true)
    }

    @Test func scriptedEntriesEmbedOfflineWithTheirDimensions() async throws {
        let made = try embedder(["provider": "scripted", "embedding_dimensions": 64])
        let scripted = try #require(made as? ScriptedEmbedder)
        #expect(scripted.dimensions == 64)
        let embeddings = try await made.embed(["hello world"])
        #expect(embeddings.model == "feature-hashing-64")
        #expect(embeddings.dimension == 64)
        let builtIn = try #require(ModelRegistry.builtIn["scripted"])
        let simulation = try ProviderFactory(environment: [:]).makeEmbedder(for: builtIn, registry: .builtIn, org: org)
        #expect((simulation as? ScriptedEmbedder)?.dimensions == ScriptedEmbedder.defaultDimensions)
    }

    @Test func costIsTheInputTokensAtTheInputPriceOrOnePricePerCall() async throws {
        let tokens = try modelEntry(["provider": "scripted", "price_in_per_mtok": 0.02, "price_out_per_mtok": 9])
        let call = try modelEntry(["provider": "scripted", "cost_per_call": 0.5])
        let embeddings = Embeddings(
            vectors: [[1], [0]], usage: TokenUsage(inputTokens: 2_000_000, outputTokens: 0), model: "m")
        #expect(embeddings.cost(at: tokens.pricing) == 0.04)
        #expect(embeddings.cost(at: call.pricing) == 0.5)
        #expect(embeddings.cost(at: .free) == 0)
    }
}
