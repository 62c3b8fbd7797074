import Foundation
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

extension Flavour {
    /// The flavours with an embeddings API (Anthropic has none).
    static let embedding: [Flavour] = [.openAI, .openAICompatible, .gemini, .ollama]

    /// The path (and query) an embeddings request goes to for the model `test-model`.
    var embeddingsTarget: String {
        switch self {
        case .openAI, .openAICompatible: return "/v1/embeddings"
        case .gemini: return "/v1beta/models/test-model:batchEmbedContents"
        case .ollama: return "/api/embed"
        case .anthropic: return ""
        }
    }

    /// The texts of a recorded embeddings request, in order.
    func inputs(of request: FakeModelServer.RecordedRequest) -> [String] {
        let body = request.body ?? .null
        switch self {
        case .gemini:
            return (body["requests"]?.arrayValue ?? []).compactMap {
                $0["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue
            }
        default:
            return (body["input"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
    }

    /// Whether the API reports the tokens of an embeddings call (Gemini's does not).
    var reportsEmbeddingTokens: Bool { self != .gemini }
}

extension ProviderHarness {
    /// The embedder of one model served by `server`.
    func embedder(_ server: FakeModelServer, _ extra: JSONObject = [:]) throws -> any EmbeddingProvider {
        try embedder(baseURL: server.baseURL, extra)
    }

    /// The embedder of one model at `baseURL`.
    func embedder(baseURL: String, _ extra: JSONObject = [:]) throws -> any EmbeddingProvider {
        let entries: JSONObject = ["m": .object(flavour.document(baseURL: baseURL, extra))]
        let registry = try modelRegistry(entries)
        let entry = try #require(registry["m"])
        return try factory.makeEmbedder(for: entry, registry: registry, org: OrgPaths(root: NSTemporaryDirectory()))
    }
}

/// The vectors the fake server answers for `texts` (its default length, 8).
func fakeVectors(_ texts: [String], dimensions: Int = 8) -> [[Float]] {
    texts.map { FakeModelServer.vector(of: $0, dimensions: dimensions) }
}
