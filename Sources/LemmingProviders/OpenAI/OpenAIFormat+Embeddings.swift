import LemmingCore
import LemmingJSON

/// OpenAI Embeddings (`POST {base}/embeddings`), also Azure OpenAI and OpenAI-compatible servers
/// (llama.cpp's server started with `--embedding`, vLLM, LM Studio).
///
/// Body `{"model", "input": [texts], "dimensions"?}` (floats, the default `encoding_format`);
/// answer `{"data": [{"index", "embedding": [numbers]}], "model", "usage": {"prompt_tokens"}}`,
/// put in order by `index`. At most 2048 inputs a request (OpenAI's API reference).
extension OpenAIFormat: EmbeddingFormat {
    public var maxBatchSize: Int { 2048 }

    public func embeddingsURL(settings: HTTPSettings) -> String {
        url(of: "/embeddings", settings: settings)
    }

    public func embeddingsBody(for texts: [String], settings: HTTPSettings, dimensions: Int?) -> JSONValue {
        var body: JSONObject = ["model": .string(settings.model), "input": .array(texts.map(JSONValue.string))]
        if let dimensions { body["dimensions"] = .int(dimensions) }
        return .object(body)
    }

    public func parseEmbeddings(_ body: JSONValue) throws -> EmbeddingsReply {
        guard let data = body["data"]?.arrayValue else { throw missing("data") }
        var vectors = [[Float]?](repeating: nil, count: data.count)
        for (position, item) in data.enumerated() {
            let index = item["index"]?.intValue ?? position
            guard vectors.indices.contains(index), vectors[index] == nil else {
                throw ProviderError(
                    .invalidResponse, "\(name) answered an embedding with index \(index) among \(data.count)")
            }
            vectors[index] = try vector(item["embedding"], position: index)
        }
        return EmbeddingsReply(
            vectors: vectors.compactMap { $0 }, inputTokens: body["usage"]?["prompt_tokens"]?.intValue,
            model: body["model"]?.stringValue)
    }
}
