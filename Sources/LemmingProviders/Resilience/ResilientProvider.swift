import LemmingCore

/// A provider with retries, a circuit breaker, a rate-limit gate and pacing around it: each call
/// runs under ``EndpointRegistry/withRetries(to:policy:pacing:usage:canRetry:_:)``, counted in
/// `model`'s window for its prompt's estimate and its `max_tokens`, then for the tokens it used.
///
/// A stream that already delivered text is not tried again (the text would repeat).
public struct ResilientProvider: ModelProvider {
    public let inner: any ModelProvider
    public let endpoint: String
    /// The provider-side model, whose budget at the endpoint calls count against (`nil`: no
    /// pacing).
    public let model: String?
    public let endpoints: EndpointRegistry
    public let policy: RetryPolicy

    public init(
        inner: any ModelProvider, endpoint: String, model: String? = nil, endpoints: EndpointRegistry,
        policy: RetryPolicy
    ) {
        self.inner = inner
        self.endpoint = endpoint
        self.model = model
        self.endpoints = endpoints
        self.policy = policy
    }

    private func pacing(_ request: ChatRequest) -> EndpointRegistry.PacedCall? {
        model.map { EndpointRegistry.PacedCall(model: $0, request: request) }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await endpoints.withRetries(to: endpoint, policy: policy, pacing: pacing(request), usage: \.usage) {
            try await inner.complete(request)
        }
    }

    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        let delivered = OnceFlag()
        let attempt = {
            try await inner.stream(request) { text in
                delivered.raise()
                await onText(text)
            }
        }
        return try await endpoints.withRetries(
            to: endpoint, policy: policy, pacing: pacing(request), usage: \.usage, canRetry: { !delivered.isRaised },
            attempt)
    }
}
