import Foundation
import LemmingCore

/// The circuit breaker of one endpoint, as a pure state machine (no I/O, time passed in as a
/// ``Timeline`` reading).
///
/// Closed: calls go through; `failureThreshold` failures in a row open it. Open: calls fail at once
/// until `cooldown` has passed. Then half-open: one probe call goes through; its success closes the
/// circuit, its failure opens it again. Only failures that say the endpoint is broken count
/// (connection errors, timeouts, 5xx): a rate limit is not one (``ProviderError/isBackpressure``).
public struct CircuitBreaker: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        public var failureThreshold = 5
        public var cooldown: Duration = .seconds(30)

        public init(failureThreshold: Int = 5, cooldown: Duration = .seconds(30)) {
            self.failureThreshold = max(failureThreshold, 1)
            self.cooldown = max(cooldown, .zero)
        }
    }

    public enum State: Sendable, Equatable {
        case closed
        /// Open until this ``Timeline`` reading.
        case open(until: Duration)
        case halfOpen(probeInFlight: Bool)
    }

    public private(set) var state = State.closed
    public private(set) var consecutiveFailures = 0
    public private(set) var lastError: String?
    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether a call may go out now (a half-open circuit lets exactly one probe through).
    public mutating func allowsCall(at now: Duration) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen(probeInFlight: true)
            return true
        case .halfOpen(let probeInFlight):
            guard !probeInFlight else { return false }
            state = .halfOpen(probeInFlight: true)
            return true
        }
    }

    public mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        lastError = nil
    }

    /// The call let through ended without showing whether the endpoint works (a failure that does
    /// not count against it, such as a rejected request, or a cancelled call): a half-open circuit
    /// lets the next call probe instead of waiting for an outcome that will never be recorded.
    public mutating func releaseProbe() {
        if case .halfOpen = state { state = .halfOpen(probeInFlight: false) }
    }

    public mutating func recordFailure(_ message: String, at now: Duration) {
        consecutiveFailures += 1
        lastError = message
        switch state {
        case .halfOpen:
            state = .open(until: now + configuration.cooldown)
        case .closed where consecutiveFailures >= configuration.failureThreshold:
            state = .open(until: now + configuration.cooldown)
        case .closed, .open:
            break
        }
    }

    /// The breaker as `lemming status` shows it.
    ///
    /// - Parameters:
    ///   - now: the ``Timeline`` reading the open state's end is measured from.
    ///   - wallNow: the wall-clock time of `now`, to write `retry_at` as a timestamp.
    public func health(endpoint: String, now: Duration, wallNow: Date) -> ProviderHealth {
        switch state {
        case .closed:
            return ProviderHealth(
                endpoint: endpoint, state: .closed, consecutiveFailures: consecutiveFailures, lastError: lastError)
        case .open(let until):
            return ProviderHealth(
                endpoint: endpoint, state: .open, consecutiveFailures: consecutiveFailures,
                retryAt: Timestamp.format(wallNow.addingTimeInterval((until - now) / .seconds(1))),
                lastError: lastError)
        case .halfOpen:
            return ProviderHealth(
                endpoint: endpoint, state: .halfOpen, consecutiveFailures: consecutiveFailures, lastError: lastError)
        }
    }
}
