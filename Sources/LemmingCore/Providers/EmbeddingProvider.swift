/// A model that turns texts into vectors ("embeddings", as OpenAI's `/v1/embeddings` and the
/// OpenTelemetry GenAI conventions call them), for semantic search of memory.
///
/// It does not rank, store or compare vectors; the search index does (see
/// ``Embeddings/cosineSimilarity(_:_:)``). An embedder has no fallback chain: vectors of two
/// models are not comparable, so a failure is a failure.
public protocol EmbeddingProvider: Sendable {
    /// Embeds texts, in order, one vector per text; every vector of a call has the same dimension.
    ///
    /// An empty list makes no call and returns no vectors.
    ///
    /// - Throws: ``ProviderError`` for every failure, with ``ProviderError/usage`` holding the
    ///   tokens of the batches that were embedded (and are charged) before it.
    func embed(_ texts: [String]) async throws -> Embeddings
}

/// The vectors of one ``EmbeddingProvider/embed(_:)`` call.
public struct Embeddings: Sendable, Equatable {
    /// One vector per text, in the order of the texts.
    public var vectors: [[Float]]
    /// The input tokens of the call (`outputTokens` is 0); estimated from the texts' length
    /// (``TokenEstimator``) when the provider reports none.
    public var usage: TokenUsage
    /// The model that made the vectors, as the provider names it (or the entry's `model`).
    public var model: String

    /// The result of a call.
    public init(vectors: [[Float]], usage: TokenUsage, model: String) {
        self.vectors = vectors
        self.usage = usage
        self.model = model
    }

    /// The length of the vectors (`nil` when there are none).
    public var dimension: Int? { vectors.first?.count }

    /// What the call costs at `pricing` (the entry's ``ModelEntry/pricing``): its input tokens
    /// at `price_in_per_mtok`, or `cost_per_call` once for the whole call however many batches it
    /// took.
    public func cost(at pricing: Pricing) -> Double {
        pricing.cost(inputTokens: usage.inputTokens, outputTokens: 0)
    }

    /// The cosine of the angle between two vectors, from -1 to 1: 0 when either is all zeros or
    /// their lengths differ.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return 0 }
        var dot: Float = 0
        var normA: Float = 0
        var normB: Float = 0
        for index in a.indices {
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
