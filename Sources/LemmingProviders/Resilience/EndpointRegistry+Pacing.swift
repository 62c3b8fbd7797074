import LemmingCore

extension EndpointRegistry {
    /// What pacing needs to know of one call: the model it calls (its budget) and the tokens it
    /// is counted for before it is made.
    public struct PacedCall: Sendable, Equatable {
        public var model: String
        /// The estimate: the prompt (``TokenEstimator``) and the most the reply may take
        /// (`max_tokens`, which providers count against their token limits when a call starts).
        public var tokens: Int

        public init(model: String, tokens: Int) {
            self.model = model
            self.tokens = max(tokens, 0)
        }

        /// A chat call: the prompt's estimate and the whole of `maxTokens`.
        public init(model: String, request: ChatRequest) {
            self.init(model: model, tokens: TokenEstimator.tokens(in: request.messages) + max(request.maxTokens, 0))
        }
    }

    /// The place an attempt holds in its model's window, while the attempt runs.
    struct PacedSend: Sendable {
        var endpoint: String
        var model: String
        var id: Int
    }

    /// The place of the attempt the current task runs, for ``markSent()``.
    @TaskLocal static var pacedSend: PacedSend?

    /// Moves the current attempt's place in its window to now: its request goes now, after it
    /// waited for a place among the endpoint's requests in flight (`max_concurrent_requests`), so
    /// the window counts it when it went. Does nothing outside an attempt.
    func markSent() {
        guard let send = Self.pacedSend else { return }
        let now = timeline.now
        withEndpoint(send.endpoint) { $0.budgets[send.model]?.restamp(send.id, at: now) }
    }

    /// Sets the `rpm`/`tpm` that the `models.json` entry `entry` gives the model at `endpoint`
    /// (every entry naming that model there shares one budget; the lowest limit applies).
    public func configure(_ limits: RateWindow.Limits, endpoint: String, model: String, entry: String) {
        withEndpoint(endpoint) { $0.budgets[model, default: RateWindow()].configure(limits, by: entry) }
    }

    /// Takes in the rate-limit headers of an answer from `endpoint` for `model`.
    public func observe(_ report: RateLimitReport, endpoint: String, model: String) {
        guard !report.isEmpty else { return }
        let now = timeline.now
        withEndpoint(endpoint) { $0.budgets[model, default: RateWindow()].observe(report, now: now) }
    }

    /// The pacing of `model` at `endpoint`, as it stands.
    public func window(_ endpoint: String, model: String) -> RateWindow {
        withEndpoint(endpoint) { $0.budgets[model] ?? RateWindow() }
    }

    /// Waits until `call` may go to `endpoint` — past the endpoint's rate-limit gate and within
    /// the model's window — and records it as sent.
    ///
    /// - Parameter deadline: the ``Timeline`` reading past which the call may not wait.
    /// - Returns: the send's id in the model's window, for ``settle(_:endpoint:call:tokens:)``
    ///   (`nil` without a `call`).
    /// - Throws: ``ProviderError`` `rate_limited` as soon as the room comes after `deadline`
    ///   (naming the endpoint, the limit and the wait); `CancellationError`.
    func waitForRoom(
        _ endpoint: String, call: PacedCall?, deadline: Duration, patience: Duration
    ) async throws -> Int? {
        let arrived = timeline.now
        var isWaiting = false
        defer {
            if isWaiting, let call {
                let waited = timeline.now - arrived
                withEndpoint(endpoint) { state in
                    state.budgets[call.model]?.waiting -= 1
                    if waited > .zero { state.budgets[call.model]?.noteWait(waited) }
                }
            }
        }
        while true {
            let now = timeline.now
            let (start, id, reason) = withEndpoint(endpoint) { state -> (Duration, Int?, String) in
                let gate = state.notBefore.flatMap { $0 > now ? $0 : nil }
                guard let call else {
                    return (gate ?? now, nil, "\(endpoint) asked callers to wait")
                }
                var window = state.budgets[call.model] ?? RateWindow()
                defer { state.budgets[call.model] = window }
                window.prune(now: now)
                let paced = window.earliestStart(tokens: call.tokens, now: now)
                let start = max(paced, gate ?? now)
                guard start > now else { return (now, window.record(tokens: call.tokens, at: now), "") }
                if !isWaiting { window.waiting += 1 }
                return (start, nil, Self.reason(window, call: call, gate: gate, paced: paced, endpoint: endpoint))
            }
            if start <= now { return id }
            isWaiting = call != nil
            guard start <= deadline else {
                throw ProviderError(
                    .rateLimited,
                    "\(reason): it leaves no room for \(Deadline.describe(start - now)); a call waits at most "
                        + "\(Deadline.describe(patience)) (rate_limit_wait_seconds), so it was not made")
            }
            try await timeline.sleep(until: start)
        }
    }

    /// Counts a call sent for the tokens it used, as reported, in place of its estimate.
    func settle(_ id: Int?, endpoint: String, call: PacedCall?, tokens: Int) {
        guard let id, let call else { return }
        withEndpoint(endpoint) { $0.budgets[call.model]?.settle(id, tokens: tokens) }
    }

    /// Forgets a call recorded as sent that was not sent after all.
    func cancel(_ id: Int?, endpoint: String, call: PacedCall?) {
        guard let id, let call else { return }
        withEndpoint(endpoint) { $0.budgets[call.model]?.cancel(id) }
    }

    /// Which limit holds a call back, for its message.
    private static func reason(
        _ window: RateWindow, call: PacedCall, gate: Duration?, paced: Duration, endpoint: String
    ) -> String {
        let subject = "\(endpoint) (model \(call.model))"
        if let gate, gate >= paced { return "\(subject) asked callers to wait (429)" }
        if let closed = window.closedUntil, closed >= paced {
            return "\(subject) said a rate limit is used up until it resets"
        }
        let limits = window.limits
        var parts: [String] = []
        if let requests = limits.requestsPerMinute {
            parts.append("\(requests) request\(requests == 1 ? "" : "s") a minute")
        }
        if let tokens = limits.tokensPerMinute {
            parts.append("\(tokens) tokens a minute (this call counts for \(call.tokens))")
        }
        return "\(subject) is limited to " + parts.joined(separator: " and ")
    }
}
