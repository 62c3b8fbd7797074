import LemmingCore
import Synchronization

/// A provider with retries, a circuit breaker and a rate-limit gate around it.
///
/// Before each attempt the call waits for the endpoint's rate-limit gate (set by any call the
/// endpoint told to wait), then asks the endpoint's breaker; an open circuit fails the call at once
/// with `circuit_open`. After a failed attempt, ``RetryPolicy/Attempts`` decides:
/// - failures (connection errors, timeouts, 408, 409, 5xx) count against the breaker and are tried
///   again after the backoff, at most `maxAttempts` times in all;
/// - backpressure (429, or 503 with `Retry-After`) does not count against the breaker: the
///   endpoint is held off for as long as it asked (for every call), and the call tries again, for
///   up to `rateLimitPatience` from its first attempt; past that it fails;
/// - other failures (401, 400, …) are returned at once.
///
/// A stream that already delivered text is not tried again (the text would repeat). All waiting
/// is on the registry's ``Timeline``.
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
        try await withRetries(canRetry: { true }, attempt: { try await inner.complete(request) })
    }

    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        let delivered = DeliveryFlag()
        return try await withRetries(
            canRetry: { !delivered.value },
            attempt: {
                try await inner.stream(request) { text in
                    delivered.set()
                    await onText(text)
                }
            })
    }

    private func withRetries(
        canRetry: () -> Bool,
        attempt: () async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let timeline = endpoints.timeline
        let start = timeline.now
        var attempts = RetryPolicy.Attempts(policy: policy)
        var generator = SystemRandomNumberGenerator()
        while true {
            if let notBefore = endpoints.notBefore(endpoint) {
                guard notBefore - start <= policy.rateLimitPatience else {
                    throw ProviderError(
                        .rateLimited,
                        "\(endpoint) asked callers to wait \(Deadline.describe(notBefore - timeline.now)) more; "
                            + "a call waits at most \(Deadline.describe(policy.rateLimitPatience)), so it was not made")
                }
                try await timeline.sleep(until: notBefore)
                continue
            }
            guard endpoints.allowsCall(to: endpoint) else {
                throw ProviderError(
                    .circuitOpen, "\(endpoint) is failing; its circuit is open, so the call was not made")
            }
            do {
                let response = try await attempt()
                endpoints.recordSuccess(of: endpoint)
                return response
            } catch let error as ProviderError {
                if error.isRetryable && !error.isBackpressure {
                    endpoints.recordFailure(of: endpoint, error.description)
                } else {
                    endpoints.releaseProbe(of: endpoint)
                }
                if error.isBackpressure, let asked = error.retryAfter {
                    // Every call waits as asked, even when this one gives up.
                    endpoints.holdOff(endpoint, until: timeline.now + asked)
                }
                let random = Double.random(in: 0..<1, using: &generator)
                let decision = attempts.next(after: error, elapsed: timeline.now - start, random: random)
                switch decision {
                case .retry where !canRetry(), .holdOff where !canRetry():
                    throw error
                case .retry(let delay):
                    try await timeline.sleep(for: delay)
                case .holdOff(let wait):
                    endpoints.holdOff(endpoint, until: timeline.now + wait)
                case .giveUp(let note):
                    guard let note else { throw error }
                    var annotated = error
                    annotated.message += " (\(note))"
                    throw annotated
                }
            } catch {
                endpoints.releaseProbe(of: endpoint)
                throw error
            }
        }
    }
}

/// Set once a stream delivered text.
private final class DeliveryFlag: Sendable {
    private let delivered = Mutex(false)
    var value: Bool { delivered.withLock { $0 } }
    func set() { delivered.withLock { $0 = true } }
}
