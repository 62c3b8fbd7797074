import Foundation
import LemmingCore
import Synchronization

/// What a factory's providers know about each endpoint they call, shared by those providers: its
/// circuit breaker (is it broken?), its rate-limit gate (until when did it ask to be left
/// alone?) and the pacing of each model called there (``RateWindow``: how many calls and tokens
/// the last minute leaves).
///
/// The gate is how one call's 429 reaches the others: a call told to wait records until when,
/// and every call to that endpoint waits for that time before sending, instead of each finding the
/// limit for itself. The windows keep calls within `rpm`/`tpm` and what the server's headers say
/// (``EndpointRegistry/withRetries(to:policy:pacing:canRetry:_:)``).
public final class EndpointRegistry: Sendable {
    struct Endpoint: Sendable {
        var breaker: CircuitBreaker
        /// No call goes out before this ``Timeline`` reading.
        var notBefore: Duration?
        /// The pacing of each model called at the endpoint, by model.
        var budgets: [String: RateWindow] = [:]
    }

    private let endpoints = Mutex<[String: Endpoint]>([:])
    private let configuration: CircuitBreaker.Configuration
    /// The clock every breaker, gate and wait of these endpoints reads.
    public let timeline: Timeline
    let wallClock: any WallClock

    /// - Parameters:
    ///   - configuration: the breakers' threshold and cooldown.
    ///   - clock: the providers' clock (`ContinuousClock()` in production).
    ///   - wallClock: only to show when an open circuit closes (`retry_at`).
    public init(
        configuration: CircuitBreaker.Configuration = .init(),
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: any WallClock = SystemWallClock()
    ) {
        self.configuration = configuration
        self.timeline = Timeline(clock)
        self.wallClock = wallClock
    }

    func withEndpoint<T>(_ endpoint: String, _ body: (inout Endpoint) -> T) -> T {
        endpoints.withLock { endpoints in
            body(&endpoints[endpoint, default: Endpoint(breaker: CircuitBreaker(configuration: configuration))])
        }
    }

    /// Whether a call to `endpoint` may go out now, as its breaker sees it.
    public func allowsCall(to endpoint: String) -> Bool {
        let now = timeline.now
        return withEndpoint(endpoint) { $0.breaker.allowsCall(at: now) }
    }

    public func recordSuccess(of endpoint: String) {
        withEndpoint(endpoint) { $0.breaker.recordSuccess() }
    }

    /// A call to `endpoint` ended without an outcome for its breaker (see ``CircuitBreaker/releaseProbe()``).
    public func releaseProbe(of endpoint: String) {
        withEndpoint(endpoint) { $0.breaker.releaseProbe() }
    }

    public func recordFailure(of endpoint: String, _ message: String) {
        let now = timeline.now
        withEndpoint(endpoint) { $0.breaker.recordFailure(message, at: now) }
    }

    /// The ``Timeline`` reading before which no call to `endpoint` should go out, if it asked for
    /// one that has not passed.
    public func notBefore(_ endpoint: String) -> Duration? {
        let now = timeline.now
        return withEndpoint(endpoint) { state in
            guard let notBefore = state.notBefore, notBefore > now else { return nil }
            return notBefore
        }
    }

    /// Records that `endpoint` asked to be left alone until `instant` (a later time already
    /// recorded stands).
    public func holdOff(_ endpoint: String, until instant: Duration) {
        withEndpoint(endpoint) { state in state.notBefore = max(state.notBefore ?? instant, instant) }
    }

    /// Every endpoint called or configured so far, sorted, with the budget of each model at it.
    public var health: [ProviderHealth] {
        let now = timeline.now
        let wallNow = wallClock.now()
        return endpoints.withLock { endpoints in
            endpoints.keys.sorted().compactMap { name in
                guard let endpoint = endpoints[name] else { return nil }
                var health = endpoint.breaker.health(endpoint: name, now: now, wallNow: wallNow)
                health.budgets = endpoint.budgets.keys.sorted().compactMap { model in
                    endpoint.budgets[model]?.budget(model: model, now: now, wallNow: wallNow)
                }
                return health
            }
        }
    }
}
