import Foundation
import LemmingCore

/// When to try a failed call again, and after how long: exponential backoff with full jitter for
/// failures, and waiting as told for an endpoint that pushes back.
///
/// Two kinds of trouble are told apart (``ProviderError/isBackpressure``):
/// - a failure (connection error, timeout, 408, 409, 5xx) is tried again at most `maxAttempts`
///   times in all, after the backoff or a `Retry-After` of at most `maxRetryAfter`;
/// - backpressure (429, or 503 with `Retry-After`) is waited out as the server says, or with
///   backoff when it says nothing, for as long as `rateLimitPatience` allows from the call's first
///   attempt. Waits do not use up attempts: a turn told to wait waits.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts = 4
    public var baseDelay: Duration = .milliseconds(500)
    public var maxDelay: Duration = .seconds(20)
    /// The longest `Retry-After` honoured after a failure; longer waits fail the call instead.
    public var maxRetryAfter: Duration = .seconds(60)
    /// How long a call may keep waiting, from its first attempt, for room under the endpoint's rate
    /// limits — its model's `rpm`/`tpm`, what its headers said, a 429's wait
    /// (`rate_limit_wait_seconds`); a call whose room comes later fails `rate_limited`. Ten
    /// minutes by default: long enough for a burst of 200 calls against a limit of 20 a minute.
    public var rateLimitPatience: Duration = .seconds(600)

    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(20),
        rateLimitPatience: Duration = .seconds(600)
    ) {
        self.maxAttempts = max(maxAttempts, 1)
        self.baseDelay = max(baseDelay, .zero)
        self.maxDelay = max(maxDelay, self.baseDelay)
        self.rateLimitPatience = max(rateLimitPatience, .zero)
    }

    /// How long to wait before attempt `attempt + 1` after the failure `error`, or `nil` to give up.
    ///
    /// - Parameter random: a number in `[0, 1)` for the jitter.
    public func delay(after attempt: Int, error: ProviderError, random: Double) -> Duration? {
        guard attempt < maxAttempts, error.isRetryable else { return nil }
        if let retryAfter = error.retryAfter {
            return retryAfter <= maxRetryAfter ? max(retryAfter, .zero) : nil
        }
        return backoff(after: attempt) * min(max(random, 0), 1)
    }

    /// How long to hold off an endpoint that pushed back for the `wait`-th time in a call (from 1):
    /// what it asked for, or the backoff with equal jitter (never nothing) when it did not say.
    public func holdOff(wait: Int, asked: Duration?, random: Double) -> Duration {
        if let asked, asked > .zero { return asked }
        let ceiling = backoff(after: wait)
        return ceiling / 2 + ceiling / 2 * min(max(random, 0), 1)
    }

    /// The backoff ceiling after `attempt` tries: `baseDelay` doubled each time, up to `maxDelay`.
    func backoff(after attempt: Int) -> Duration {
        min(maxDelay, baseDelay * pow(2, Double(min(max(attempt - 1, 0), 30))))
    }

    /// The retries of one call, as a pure state machine that
    /// ``EndpointRegistry/withRetries(to:policy:canRetry:_:)`` runs.
    public struct Attempts: Sendable, Equatable {
        /// What to do after a failed attempt.
        public enum Decision: Sendable, Equatable {
            /// The endpoint failed: try again after this delay (an attempt used).
            case retry(after: Duration)
            /// The endpoint pushed back: hold it off (for every call) this long, then try again.
            case holdOff(Duration)
            /// Stop, with a note for the error message when there is one.
            case giveUp(String?)
        }

        public let policy: RetryPolicy
        /// Attempts that ended in a failure, the first included.
        public private(set) var failures = 0
        /// Times the endpoint pushed back.
        public private(set) var waits = 0

        public init(policy: RetryPolicy) {
            self.policy = policy
        }

        /// Decides what follows an attempt that ended with `error`.
        ///
        /// - Parameters:
        ///   - elapsed: the time since the call's first attempt.
        ///   - random: a number in `[0, 1)` for the jitter.
        public mutating func next(after error: ProviderError, elapsed: Duration, random: Double) -> Decision {
            if error.isBackpressure {
                waits += 1
                let wait = policy.holdOff(wait: waits, asked: error.retryAfter, random: random)
                guard elapsed + wait <= policy.rateLimitPatience else {
                    return .giveUp(
                        "asked to wait \(Deadline.describe(wait)); a call waits at most "
                            + Deadline.describe(policy.rateLimitPatience))
                }
                return .holdOff(wait)
            }
            failures += 1
            guard let delay = policy.delay(after: failures, error: error, random: random) else {
                return .giveUp(failures > 1 ? "after \(failures) attempts" : nil)
            }
            return .retry(after: delay)
        }
    }
}
