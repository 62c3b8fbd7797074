import LemmingCore

extension EndpointRegistry {
    /// Runs one call to `endpoint` (a chat completion, a batch of embeddings) with retries, the
    /// endpoint's circuit breaker, its rate-limit gate and the pacing of the model called.
    ///
    /// Before each attempt the call waits for room (``waitForRoom(_:call:deadline:patience:)``):
    /// for the endpoint's rate-limit gate (set by any call the endpoint told to wait), and, with
    /// `pacing`, for the model's window to allow one more call of its tokens (`rpm`, `tpm`, what
    /// the server's headers said). When that room comes later than `rateLimitPatience` after the
    /// call's first attempt, it fails at once with `rate_limited`. Then it asks the endpoint's
    /// breaker; an open circuit fails the call at once with `circuit_open`. After a failed attempt,
    /// ``RetryPolicy/Attempts`` decides:
    /// - failures (connection errors, timeouts, 408, 409, 5xx) count against the breaker and are
    ///   tried again after the backoff, at most `maxAttempts` times in all;
    /// - backpressure (429, or 503 with `Retry-After`) does not count against the breaker: the
    ///   endpoint is held off for as long as it asked (for every call), and the call tries again,
    ///   for up to `rateLimitPatience` from its first attempt; past that it fails `rate_limited`;
    /// - other failures (401, 400, a used-up quota, …) are returned at once.
    ///
    /// Each attempt is counted in the model's window for `pacing.tokens`, then for the tokens
    /// `usage` reports once it answered (or its failure's ``ProviderError/usage``). All waiting is
    /// on the registry's ``Timeline``.
    ///
    /// - Parameters:
    ///   - pacing: the model called and the call's token estimate; `nil`: no pacing (the gate and
    ///     the breaker still apply).
    ///   - usage: the tokens an answer used, for the window.
    ///   - canRetry: asked before trying again; `false` returns the failure as it is (a stream
    ///     that already delivered text).
    ///   - attempt: one attempt; a ``ProviderError`` is judged as above, any other error ends the
    ///     call at once.
    /// - Throws: the last attempt's ``ProviderError`` (noting the attempts made), `rate_limited`
    ///   or `circuit_open`.
    public func withRetries<Result>(
        to endpoint: String,
        policy: RetryPolicy,
        pacing: PacedCall? = nil,
        usage: (Result) -> TokenUsage? = { _ in nil },
        canRetry: () -> Bool = { true },
        _ attempt: () async throws -> Result
    ) async throws -> Result {
        let start = timeline.now
        var attempts = RetryPolicy.Attempts(policy: policy)
        var generator = SystemRandomNumberGenerator()
        while true {
            let sent = try await waitForRoom(
                endpoint, call: pacing, deadline: start + policy.rateLimitPatience, patience: policy.rateLimitPatience)
            guard allowsCall(to: endpoint) else {
                cancel(sent, endpoint: endpoint, call: pacing)
                throw ProviderError(
                    .circuitOpen, "\(endpoint) is failing; its circuit is open, so the call was not made")
            }
            do {
                let place = sent.flatMap { id in pacing.map { PacedSend(endpoint: endpoint, model: $0.model, id: id) } }
                let result = try await Self.$pacedSend.withValue(place) { try await attempt() }
                recordSuccess(of: endpoint)
                if let used = usage(result) {
                    settle(sent, endpoint: endpoint, call: pacing, tokens: used.inputTokens + used.outputTokens)
                }
                return result
            } catch let error as ProviderError {
                if let used = error.usage {
                    settle(sent, endpoint: endpoint, call: pacing, tokens: used.inputTokens + used.outputTokens)
                }
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
                    // Backpressure past the deadline: the call's stop reason is the rate limit.
                    if error.isBackpressure { annotated.code = .rateLimited }
                    throw annotated
                }
            } catch {
                releaseProbe(of: endpoint)
                throw error
            }
        }
    }
}
