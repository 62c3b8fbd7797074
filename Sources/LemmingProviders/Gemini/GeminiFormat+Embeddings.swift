import LemmingCore
import LemmingJSON

/// Gemini `POST {base}/v1beta/models/{model}:batchEmbedContents` (the key in `x-goog-api-key`):
/// one `embedContent` request per text.
///
/// Body `{"requests": [{"model": "models/{model}", "content": {"parts": [{"text"}]},
/// "outputDimensionality"?}]}`; answer `{"embeddings": [{"values": [numbers]}]}`, in the order of
/// the requests. At most 100 requests a batch (the API answers 400 past that). The API reports no
/// tokens for embeddings (a `usageMetadata.promptTokenCount`, if one comes, is used): usage is
/// estimated.
extension GeminiFormat: EmbeddingFormat {
    public var maxBatchSize: Int { 100 }

    public func embeddingsURL(settings: HTTPSettings) -> String {
        settings.baseURL + "/v1beta/" + Self.resourceName(settings.model) + ":batchEmbedContents"
    }

    public func embeddingsBody(for texts: [String], settings: HTTPSettings, dimensions: Int?) -> JSONValue {
        let model = JSONValue.string(Self.resourceName(settings.model))
        let requests = texts.map { text -> JSONValue in
            var request: JSONObject = ["model": model, "content": ["parts": [["text": .string(text)]]]]
            if let dimensions { request["outputDimensionality"] = .int(dimensions) }
            return .object(request)
        }
        return ["requests": .array(requests)]
    }

    public func parseEmbeddings(_ body: JSONValue) throws -> EmbeddingsReply {
        guard let embeddings = body["embeddings"]?.arrayValue else { throw missing("embeddings") }
        return EmbeddingsReply(
            vectors: try embeddings.enumerated().map { try vector($1["values"], position: $0) },
            inputTokens: body["usageMetadata"]?["promptTokenCount"]?.intValue)
    }
}
