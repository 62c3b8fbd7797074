import LemmingCore

/// An embedder that sends its texts in batches of at most `batchSize`, one after another, each
/// with retries, the endpoint's circuit breaker and its rate-limit gate
/// (``EndpointRegistry/withRetries(to:policy:canRetry:_:)``, as for chat calls), and joins the
/// vectors in order and the tokens into one usage.
///
/// A batch that fails for good fails the call: its ``ProviderError/usage`` then holds the tokens
/// of the batches embedded before it (and of the failed one, where known), which are charged.
public struct ResilientEmbedder: EmbeddingProvider {
    public let inner: any EmbeddingProvider
    /// Texts per request, at least 1.
    public let batchSize: Int
    public let endpoint: String
    /// The embedding model, whose budget at the endpoint batches count against (`nil`: no pacing).
    public let model: String?
    public let endpoints: EndpointRegistry
    public let policy: RetryPolicy

    public init(
        inner: any EmbeddingProvider, batchSize: Int, endpoint: String, model: String? = nil,
        endpoints: EndpointRegistry, policy: RetryPolicy
    ) {
        self.inner = inner
        self.batchSize = max(batchSize, 1)
        self.endpoint = endpoint
        self.model = model
        self.endpoints = endpoints
        self.policy = policy
    }

    public func embed(_ texts: [String]) async throws -> Embeddings {
        var joined: Embeddings?
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            let part: Embeddings
            do {
                let pacing = model.map {
                    EndpointRegistry.PacedCall(
                        model: $0, tokens: batch.reduce(0) { $0 + TokenEstimator.tokens(in: $1) })
                }
                let used: (Embeddings) -> TokenUsage? = { $0.usage }
                part = try await endpoints.withRetries(to: endpoint, policy: policy, pacing: pacing, usage: used) {
                    try await inner.embed(batch)
                }
            } catch var error as ProviderError {
                if let done = joined?.usage { error.usage = done + (error.usage ?? .zero) }
                throw error
            }
            guard var soFar = joined else {
                joined = part
                continue
            }
            if let dimension = soFar.dimension, let other = part.dimension, dimension != other {
                throw ProviderError(
                    .invalidResponse, "\(endpoint) answered vectors of \(dimension) and then \(other) numbers",
                    usage: soFar.usage + part.usage)
            }
            soFar.vectors += part.vectors
            soFar.usage = soFar.usage + part.usage
            joined = soFar
        }
        if let joined { return joined }
        return try await inner.embed([])
    }
}
