import Foundation
import LemmingCore

/// When to try a failed call again, and after how long (exponential backoff with full jitter,
/// honouring `Retry-After`).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts = 4
    public var baseDelaySeconds = 0.5
    public var maxDelaySeconds = 20.0
    /// The longest `Retry-After` honoured; longer waits fail the call instead.
    public var maxRetryAfterSeconds = 60.0

    public init(maxAttempts: Int = 4, baseDelaySeconds: Double = 0.5, maxDelaySeconds: Double = 20) {
        self.maxAttempts = max(maxAttempts, 1)
        self.baseDelaySeconds = max(baseDelaySeconds, 0)
        self.maxDelaySeconds = max(maxDelaySeconds, self.baseDelaySeconds)
    }

    /// How long to wait before attempt `attempt + 1` after `error`, or `nil` to give up.
    ///
    /// - Parameter random: a number in `[0, 1)` for the jitter.
    public func delay(after attempt: Int, error: ProviderError, random: Double) -> Double? {
        guard attempt < maxAttempts, error.isRetryable else { return nil }
        if let retryAfter = error.retryAfterSeconds {
            return retryAfter <= maxRetryAfterSeconds ? max(retryAfter, 0) : nil
        }
        let ceiling = min(maxDelaySeconds, baseDelaySeconds * pow(2, Double(attempt - 1)))
        return ceiling * min(max(random, 0), 1)
    }

    /// Reads a `Retry-After` header: seconds, or an HTTP date.
    public static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingWhitespace(), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite { return max(seconds, 0) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(date.timeIntervalSince(now), 0)
    }
}
