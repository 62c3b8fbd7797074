import LemmingJSON

/// The health of one provider endpoint, as its circuit breaker sees it, and the rate-limit budgets
/// of the models called there.
public struct ProviderHealth: Sendable, Equatable {
    /// The circuit breaker's state (the raw values are the wire names).
    public enum State: String, Sendable {
        /// Calls go through.
        case closed
        /// Calls fail at once until `retryAt`.
        case open
        /// One probe call is allowed; its outcome closes or reopens the circuit.
        case halfOpen = "half_open"
    }

    /// Where calls go (`https://api.openai.com/v1`), never with a key.
    public var endpoint: String
    /// The breaker's state now.
    public var state: State
    /// Failed calls in a row since the last success (backpressure not counted).
    public var consecutiveFailures: Int
    /// When an open breaker lets a probe through (ISO 8601 UTC); `nil` unless open.
    public var retryAt: String?
    /// The last failure's description (``ProviderError/description``, no secret); `nil` when none.
    public var lastError: String?
    /// The budget of each model called at the endpoint, by model (none before a call).
    public var budgets: [ProviderBudget]

    /// The health of `endpoint`.
    public init(
        endpoint: String, state: State, consecutiveFailures: Int, retryAt: String? = nil, lastError: String? = nil,
        budgets: [ProviderBudget] = []
    ) {
        self.endpoint = endpoint
        self.state = state
        self.consecutiveFailures = consecutiveFailures
        self.retryAt = retryAt
        self.lastError = lastError
        self.budgets = budgets
    }

    /// `{"endpoint", "state", "consecutive_failures", "retry_at", "last_error", "budgets"}`, as in
    /// `state/providers.json`.
    public var json: JSONValue {
        [
            "endpoint": .string(endpoint), "state": .string(state.rawValue),
            "consecutive_failures": .int(consecutiveFailures), "retry_at": .optional(retryAt),
            "last_error": .optional(lastError), "budgets": .array(budgets.map(\.json)),
        ]
    }

    /// Reads ``json``; `nil` when `endpoint` or `state` is missing or unknown.
    public init?(json value: JSONValue) {
        guard let endpoint = value["endpoint"]?.stringValue,
            let state = value["state"]?.stringValue.flatMap(State.init(rawValue:))
        else { return nil }
        self.init(
            endpoint: endpoint, state: state, consecutiveFailures: value["consecutive_failures"]?.intValue ?? 0,
            retryAt: value["retry_at"]?.stringValue, lastError: value["last_error"]?.stringValue,
            budgets: value["budgets"]?.arrayValue?.compactMap(ProviderBudget.init(json:)) ?? [])
    }
}
