import Foundation
import LemmingCore

/// What a server says about its rate limits in the headers of an answer, any answer (a 200 as
/// well as a 429).
///
/// Read from:
/// - OpenAI (and Azure OpenAI, and servers that copy it): `x-ratelimit-limit-requests`,
///   `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`, and the same for `tokens`;
///   resets are Go durations (`"1s"`, `"6m0s"`, `"20ms"`) or, on Azure, seconds — the time until
///   the limit is back to its full size (OpenAI guide "Rate limits", section "Rate limits in
///   headers").
/// - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`;
///   resets are RFC 3339 times (Anthropic API "Rate limits", section "Response headers").
///
/// A value that does not parse (not a whole number, a negative one, a date that is not RFC 3339)
/// is ignored, as if absent: a server's odd header never fails a call or makes it wait.
public struct RateLimitReport: Sendable, Equatable {
    /// One limit as the server states it.
    public struct Limit: Sendable, Equatable {
        /// The most the limit allows (per minute, for requests and tokens).
        public var limit: Int?
        public var remaining: Int?
        /// The time from the answer until the limit is whole again.
        public var reset: Duration?

        public init(limit: Int? = nil, remaining: Int? = nil, reset: Duration? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
        }

        var isEmpty: Bool { limit == nil && remaining == nil && reset == nil }
    }

    public var requests: Limit?
    public var tokens: Limit?
    /// Anthropic's separate input- and output-token limits.
    public var inputTokens: Limit?
    public var outputTokens: Limit?

    public init(requests: Limit? = nil, tokens: Limit? = nil, inputTokens: Limit? = nil, outputTokens: Limit? = nil) {
        self.requests = requests
        self.tokens = tokens
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public var isEmpty: Bool { all.isEmpty }

    /// The limits stated, with their names in `lemming status` (``ProviderBudget/reported``).
    var named: [(name: String, limit: Limit)] {
        [("requests", requests), ("tokens", tokens), ("input_tokens", inputTokens), ("output_tokens", outputTokens)]
            .compactMap { name, limit in limit.map { (name, $0) } }
    }

    var all: [Limit] { named.map(\.limit) }

    /// Reads the headers of an answer.
    ///
    /// - Parameters:
    ///   - header: a header's value by name (names compare case-insensitively).
    ///   - now: the wall-clock time of the answer, for resets given as times.
    public static func read(header: (String) -> String?, now: Date = Date()) -> RateLimitReport {
        func openAI(_ name: String) -> Limit? {
            let limit = Limit(
                limit: count(header("x-ratelimit-limit-\(name)")).flatMap { $0 > 0 ? $0 : nil },
                remaining: count(header("x-ratelimit-remaining-\(name)")),
                reset: header("x-ratelimit-reset-\(name)").flatMap(RetryHint.duration))
            return limit.isEmpty ? nil : limit
        }
        func anthropic(_ name: String) -> Limit? {
            let prefix = "anthropic-ratelimit-\(name)-"
            let limit = Limit(
                limit: count(header(prefix + "limit")).flatMap { $0 > 0 ? $0 : nil },
                remaining: count(header(prefix + "remaining")),
                reset: header(prefix + "reset").flatMap { time($0, now: now) })
            return limit.isEmpty ? nil : limit
        }
        return RateLimitReport(
            requests: openAI("requests") ?? anthropic("requests"), tokens: openAI("tokens") ?? anthropic("tokens"),
            inputTokens: anthropic("input-tokens"), outputTokens: anthropic("output-tokens"))
    }

    /// A whole, non-negative number of requests or tokens.
    static func count(_ value: String?) -> Int? {
        guard let text = value?.trimmingWhitespace(), !text.isEmpty,
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return Int(text)
    }

    /// The time from `now` until an RFC 3339 time (zero when it has passed).
    static func time(_ value: String, now: Date) -> Duration? {
        guard let date = Timestamp.parse(value.trimmingWhitespace()) else { return nil }
        return Deadline.seconds(date.timeIntervalSince(now))
    }
}
