/// A failed model call: the provider could not get an answer. Its message never contains a secret.
///
/// A model that answered, even with nothing usable, is a ``ChatResponse``, not an error.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; callers compare codes. Extensible: new codes are static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable snake_case name (`timeout`), as turn records and events show it.
        public let name: String
        /// A code named `name` (snake_case).
        public init(_ name: String) { self.name = name }
        /// The code's ``name``.
        public var description: String { name }

        /// The call did not finish within its deadline.
        public static let timeout = Code("timeout")
        /// The `cli` provider's program failed (could not start, exited non-zero, was killed).
        public static let process = Code("process")
        /// The provider answered with no content at all.
        public static let emptyReply = Code("empty_reply")
        /// The response could not be read (not the provider's documented shape).
        public static let invalidResponse = Code("invalid_response")
        /// The registry entry cannot be used as written (a missing API key variable, a bad URL or option).
        public static let configuration = Code("configuration")
        /// The server answered with an HTTP error status (see ``ProviderError/httpStatus``).
        public static let http = Code("http")
        /// The endpoint could not be reached (DNS, refused, reset, TLS).
        public static let connection = Code("connection")
        /// The endpoint's circuit breaker is open: the call was not made (``ProviderHealth``).
        public static let circuitOpen = Code("circuit_open")
        /// The response passed a size cap (`limits.max_reply_bytes` while streaming, or the
        /// provider's cap on a whole response body); reading stopped there.
        public static let replyTooLarge = Code("reply_too_large")
        /// The endpoint's rate limit leaves no room before the call's deadline
        /// (`rate_limit_wait_seconds`): its `rpm`/`tpm`, its headers or a 429 asked callers to wait
        /// longer than a call may wait; the call was not made, or not made again.
        public static let rateLimited = Code("rate_limited")
        /// A 429 that waiting will not cure: the account's quota or spend limit is used up
        /// (OpenAI `insufficient_quota`, Anthropic `enforced_spend_limit_reached`, a Gemini
        /// per-day quota without a delay). Not tried again.
        public static let quotaExceeded = Code("quota_exceeded")
    }

    /// What kind of failure.
    public var code: Code
    /// What happened, in words a user can act on; never a secret.
    public var message: String
    /// Tokens the provider reported (or that were estimated) before failing; the only part of a
    /// failed call that is charged.
    public var usage: TokenUsage?
    /// The HTTP status, for failures that had one.
    public var httpStatus: Int?
    /// How long the server asked us to wait (`Retry-After`, `retry-after-ms`,
    /// `x-ratelimit-reset-*`).
    public var retryAfter: Duration?

    /// A failure of kind `code`; `usage`, `httpStatus` (100…599) and `retryAfter` when known.
    public init(
        _ code: Code, _ message: String, usage: TokenUsage? = nil, httpStatus: Int? = nil,
        retryAfter: Duration? = nil
    ) {
        self.code = code
        self.message = message
        self.usage = usage
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    /// Whether trying again may succeed: connection errors, timeouts, 408, 409, 429 (but a used-up
    /// quota) and 5xx.
    public var isRetryable: Bool {
        if code == .quotaExceeded { return false }
        if let httpStatus { return [408, 409, 429].contains(httpStatus) || (500...599).contains(httpStatus) }
        return code == .connection || code == .timeout
    }

    /// Whether the endpoint is pushing back rather than failing: HTTP 429, or 503 with a
    /// `Retry-After`. Backpressure is waited out; it does not count against the endpoint's
    /// circuit breaker.
    public var isBackpressure: Bool {
        guard code != .quotaExceeded else { return false }
        return httpStatus == 429 || (httpStatus == 503 && retryAfter != nil)
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
