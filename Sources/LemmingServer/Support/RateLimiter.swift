import HTTPTypes
import Synchronization

/// Per-client, per-route token buckets: each holds a minute's allowance and refills steadily.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    /// Takes one request from the bucket of `key`, which allows `perMinute`.
    ///
    /// - Throws: ``APIError`` 429 with `Retry-After` when the bucket is empty.
    func take(_ key: String, perMinute: Int) throws {
        let now = clock.now
        let rate = Double(perMinute) / 60
        let wait = buckets.withLock { buckets -> Double? in
            if buckets.count > 100_000 { buckets.removeAll() }
            var bucket = buckets[key] ?? Bucket(tokens: Double(perMinute), updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(perMinute), bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw APIError(
                .tooManyRequests, "rate_limited", "too many requests; try again in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
    }
}
