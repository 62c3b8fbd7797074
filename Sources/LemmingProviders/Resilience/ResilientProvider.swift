import LemmingCore

/// A provider with retries, a circuit breaker and a rate-limit gate around it: each call runs
/// under ``EndpointRegistry/withRetries(to:policy:canRetry:_:)``.
///
/// A stream that already delivered text is not tried again (the text would repeat).
public struct ResilientProvider: ModelProvider {
    public let inner: any ModelProvider
    public let endpoint: String
    public let endpoints: EndpointRegistry
    public let policy: RetryPolicy

    public init(inner: any ModelProvider, endpoint: String, endpoints: EndpointRegistry, policy: RetryPolicy) {
        self.inner = inner
        self.endpoint = endpoint
        self.endpoints = endpoints
        self.policy = policy
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await endpoints.withRetries(to: endpoint, policy: policy) { try await inner.complete(request) }
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
        return try await endpoints.withRetries(to: endpoint, policy: policy, canRetry: { !delivered.isRaised }, attempt)
    }
}
