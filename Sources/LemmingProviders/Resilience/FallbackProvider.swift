import LemmingCore

/// Tries the models of a fallback chain in order (`models.json` `"fallback": [key, …]`) until one
/// answers; the answer says which model served it, so the turn is priced at that model's prices.
public struct FallbackProvider: ModelProvider {
    /// The chain, the asked model first: (registry key, provider).
    public let chain: [(key: String, provider: any ModelProvider)]

    public init(chain: [(key: String, provider: any ModelProvider)]) {
        self.chain = chain
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await firstAnswer(request) { provider, request in try await provider.complete(request) }
    }

    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        try await firstAnswer(request) { provider, request in try await provider.stream(request, onText: onText) }
    }

    private func firstAnswer(
        _ request: ChatRequest,
        _ call: (any ModelProvider, ChatRequest) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        var failures: [String] = []
        var last: ProviderError?
        var usage = TokenUsage.zero
        for (position, link) in chain.enumerated() {
            var attempt = request
            attempt.modelKey = link.key
            do {
                var response = try await call(link.provider, attempt)
                if position > 0 { response.servedBy = link.key }
                return response
            } catch let error as ProviderError {
                failures.append("\(link.key): \(error.description)")
                last = error
                if var reported = error.usage {
                    reported.isEstimated = false
                    usage = usage + reported
                }
                if Task.isCancelled { throw CancellationError() }
            }
        }
        // The last model's failure decides the code (a chain of 401s is not a connection problem).
        throw ProviderError(
            last?.code ?? .connection, "every model of the fallback chain failed: " + failures.joined(separator: "; "),
            usage: usage == .zero ? nil : usage, httpStatus: last?.httpStatus)
    }
}
