import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingProviders

extension FakeModelServer {
    /// How the server answers an embeddings request (``Behaviour/embeddings(_:)``): a vector of
    /// ``vector(of:dimensions:)`` for each input, or a faulty answer.
    public struct EmbeddingReply: Sendable {
        /// The length of the vectors.
        public var dimensions: Int
        /// How many vectors to answer; `nil`: one per input (another number: a faulty server).
        public var count: Int?
        /// The input tokens reported (OpenAI `usage.prompt_tokens`, Ollama `prompt_eval_count`,
        /// Gemini `usageMetadata.promptTokenCount`); `nil`: 3 per input, except for Gemini,
        /// whose API reports none.
        public var inputTokens: Int?
        /// OpenAI: list `data` last index first (each item keeps its `index`).
        public var reversed: Bool
        /// Puts a string among the numbers of the first vector.
        public var nonNumber: Bool

        public init(
            dimensions: Int = 8, count: Int? = nil, inputTokens: Int? = nil, reversed: Bool = false,
            nonNumber: Bool = false
        ) {
            self.dimensions = dimensions
            self.count = count
            self.inputTokens = inputTokens
            self.reversed = reversed
            self.nonNumber = nonNumber
        }
    }

    /// The vector the server answers for `text`: ``ScriptedEmbedder``'s, so tests can predict it.
    public static func vector(of text: String, dimensions: Int = 8) -> [Float] {
        ScriptedEmbedder(dimensions: dimensions).vector(text)
    }
}

extension Wire {
    /// An embeddings answer, whole; `truncated` sends only the first half of the JSON, `stall`
    /// runs after the first half.
    static func embeddings(
        _ reply: FakeModelServer.EmbeddingReply, call: WireCall, truncated: Bool,
        stall: (@Sendable () async throws -> Void)? = nil
    ) -> Response {
        let parts = halves(embeddingsBody(reply, call: call), truncated: truncated)
        return Response(status: .ok, headers: headers(for: call), body: body(parts, stall: stall))
    }

    /// The body each API answers embeddings with.
    static func embeddingsBody(_ reply: FakeModelServer.EmbeddingReply, call: WireCall) -> JSONValue {
        let count = reply.count ?? call.inputs.count
        var vectors: [JSONValue] = (0..<count).map { index in
            let text = index < call.inputs.count ? call.inputs[index] : "extra \(index)"
            return .array(FakeModelServer.vector(of: text, dimensions: reply.dimensions).map { .double(Double($0)) })
        }
        if reply.nonNumber, case .array(var numbers)? = vectors.first {
            numbers[numbers.count / 2] = "NaN"
            vectors[0] = .array(numbers)
        }
        let tokens = reply.inputTokens ?? 3 * call.inputs.count
        switch call.format {
        case .openAI:
            var data = vectors.enumerated().map { index, vector -> JSONValue in
                ["object": "embedding", "index": .int(index), "embedding": vector]
            }
            if reply.reversed { data.reverse() }
            return [
                "object": "list", "data": .array(data), "model": .string(call.model),
                "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)],
            ]
        case .gemini:
            var body: JSONObject
            if call.operation == .singleEmbedding {
                body = ["embedding": ["values": vectors.first ?? .array([])]]
            } else {
                body = ["embeddings": .array(vectors.map { ["values": $0] })]
            }
            if let inputTokens = reply.inputTokens { body["usageMetadata"] = ["promptTokenCount": .int(inputTokens)] }
            return .object(body)
        case .ollama:
            return [
                "model": .string(call.model), "embeddings": .array(vectors), "total_duration": 14_143_917,
                "load_duration": 1_019_500, "prompt_eval_count": .int(tokens),
            ]
        case .anthropic:
            return errorBody(format: .anthropic, status: 404, message: "Anthropic has no embeddings API")
        }
    }
}
