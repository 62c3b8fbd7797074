import LemmingCore
import Synchronization

/// Waits between retries; tests pass one that does not really sleep.
public protocol RetrySleeper: Sendable {
    func sleep(seconds: Double) async throws
}

/// Sleeps with `Task.sleep` (cancellable).
public struct TaskSleeper: RetrySleeper {
    public init() {}
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded())))
    }
}

/// A provider with retries and a circuit breaker around it.
///
/// Each attempt first asks the endpoint's breaker; an open circuit fails the call at once with
/// `circuit_open`. Retryable failures (connection errors, timeouts, 408, 409, 429, 5xx) are tried
/// again after the policy's delay, at most `maxAttempts` times in all, and count against the
/// breaker; other failures (401, 400, …) are returned at once. A stream that already delivered
/// text is not retried (the text would repeat).
public struct ResilientProvider: ModelProvider {
    public let inner: any ModelProvider
    public let endpoint: String
    public let breakers: BreakerRegistry
    public let policy: RetryPolicy
    public let sleeper: any RetrySleeper

    public init(
        inner: any ModelProvider, endpoint: String, breakers: BreakerRegistry, policy: RetryPolicy,
        sleeper: any RetrySleeper = TaskSleeper()
    ) {
        self.inner = inner
        self.endpoint = endpoint
        self.breakers = breakers
        self.policy = policy
        self.sleeper = sleeper
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
        var number = 1
        var generator = SystemRandomNumberGenerator()
        while true {
            guard breakers.allowsCall(to: endpoint) else {
                throw ProviderError(
                    .circuitOpen, "\(endpoint) is failing; its circuit is open, so the call was not made")
            }
            do {
                let response = try await attempt()
                breakers.recordSuccess(of: endpoint)
                return response
            } catch let error as ProviderError {
                if error.isRetryable {
                    breakers.recordFailure(of: endpoint, error.description)
                } else {
                    breakers.releaseProbe(of: endpoint)
                }
                let random = Double.random(in: 0..<1, using: &generator)
                guard canRetry(), let delay = policy.delay(after: number, error: error, random: random) else {
                    throw number > 1
                        ? ProviderError(
                            error.code, "\(error.message) (after \(number) attempts)", usage: error.usage,
                            httpStatus: error.httpStatus, retryAfterSeconds: error.retryAfterSeconds) : error
                }
                try await sleeper.sleep(seconds: delay)
                number += 1
            } catch {
                breakers.releaseProbe(of: endpoint)
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
