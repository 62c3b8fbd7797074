import LemmingCore
import LemmingJSON

/// Ollama `POST {base}/api/embed` (not the older `/api/embeddings`, which takes one text).
///
/// Body `{"model", "input": [texts], "dimensions"?}` (inputs longer than the model's context are
/// truncated, Ollama's default); answer `{"model", "embeddings": [[numbers]],
/// "prompt_eval_count"}`. Ollama sets no limit on the inputs of a request; a batch is capped at
/// 2048 like OpenAI's.
extension OllamaFormat: EmbeddingFormat {
    public var maxBatchSize: Int { 2048 }

    public func embeddingsURL(settings: HTTPSettings) -> String {
        settings.baseURL + "/api/embed"
    }

    public func embeddingsBody(for texts: [String], settings: HTTPSettings, dimensions: Int?) -> JSONValue {
        var body: JSONObject = ["model": .string(settings.model), "input": .array(texts.map(JSONValue.string))]
        if let dimensions { body["dimensions"] = .int(dimensions) }
        return .object(body)
    }

    public func parseEmbeddings(_ body: JSONValue) throws -> EmbeddingsReply {
        if let message = body["error"]?.stringValue { throw ProviderError(.invalidResponse, "Ollama: \(message)") }
        guard let embeddings = body["embeddings"]?.arrayValue else { throw missing("embeddings") }
        return EmbeddingsReply(
            vectors: try embeddings.enumerated().map { try vector($1, position: $0) },
            inputTokens: body["prompt_eval_count"]?.intValue, model: body["model"]?.stringValue)
    }
}
