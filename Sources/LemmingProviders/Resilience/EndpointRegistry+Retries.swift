import LemmingCore

extension EndpointRegistry {
    /// Runs one call to `endpoint` (a chat completion, a batch of embeddings) with retries, the
    /// endpoint's circuit breaker and its rate-limit gate.
    ///
    /// Before each attempt the call waits for the endpoint's rate-limit gate (set by any call the
    /// endpoint told to wait), then asks the endpoint's breaker; an open circuit fails the call at
    /// once with `circuit_open`. After a failed attempt, ``RetryPolicy/Attempts`` decides:
    /// - failures (connection errors, timeouts, 408, 409, 5xx) count against the breaker and are
    ///   tried again after the backoff, at most `maxAttempts` times in all;
    /// - backpressure (429, or 503 with `Retry-After`) does not count against the breaker: the
    ///   endpoint is held off for as long as it asked (for every call), and the call tries again,
    ///   for up to `rateLimitPatience` from its first attempt; past that it fails;
    /// - other failures (401, 400, …) are returned at once.
    ///
    /// All waiting is on the registry's ``Timeline``.
    ///
    /// - Parameters:
    ///   - canRetry: asked before trying again; `false` returns the failure as it is (a stream
    ///     that already delivered text).
    ///   - attempt: one attempt; a ``ProviderError`` is judged as above, any other error ends the
    ///     call at once.
    /// - Throws: the last attempt's ``ProviderError`` (noting the attempts made), `rate_limited`
    ///   or `circuit_open`.
    public func withRetries<Result>(
        to endpoint: String,
        policy: RetryPolicy,
        canRetry: () -> Bool = { true },
        _ attempt: () async throws -> Result
    ) async throws -> Result {
        let start = timeline.now
        var attempts = RetryPolicy.Attempts(policy: policy)
        var generator = SystemRandomNumberGenerator()
        while true {
            if let notBefore = notBefore(endpoint) {
                guard notBefore - start <= policy.rateLimitPatience else {
                    throw ProviderError(
                        .rateLimited,
                        "\(endpoint) asked callers to wait \(Deadline.describe(notBefore - timeline.now)) more; "
                            + "a call waits at most \(Deadline.describe(policy.rateLimitPatience)), so it was not made")
                }
                try await timeline.sleep(until: notBefore)
                continue
            }
            guard allowsCall(to: endpoint) else {
                throw ProviderError(
                    .circuitOpen, "\(endpoint) is failing; its circuit is open, so the call was not made")
            }
            do {
                let result = try await attempt()
                recordSuccess(of: endpoint)
                return result
            } catch let error as ProviderError {
                if error.isRetryable && !error.isBackpressure {
                    recordFailure(of: endpoint, error.description)
                } else {
                    releaseProbe(of: endpoint)
                }
                if error.isBackpressure, let asked = error.retryAfter {
                    // Every call waits as asked, even when this one gives up.
                    holdOff(endpoint, until: timeline.now + asked)
                }
                let random = Double.random(in: 0..<1, using: &generator)
                let decision = attempts.next(after: error, elapsed: timeline.now - start, random: random)
                switch decision {
                case .retry where !canRetry(), .holdOff where !canRetry():
                    throw error
                case .retry(let delay):
                    try await timeline.sleep(for: delay)
                case .holdOff(let wait):
                    holdOff(endpoint, until: timeline.now + wait)
                case .giveUp(let note):
                    guard let note else { throw error }
                    var annotated = error
                    annotated.message += " (\(note))"
                    throw annotated
                }
            } catch {
                releaseProbe(of: endpoint)
                throw error
            }
        }
    }
}
