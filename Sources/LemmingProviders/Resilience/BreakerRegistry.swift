import Foundation
import LemmingCore
import Synchronization

/// The circuit breakers of every endpoint a factory's providers call, shared by those providers.
public final class BreakerRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let configuration: CircuitBreaker.Configuration
    private let now: @Sendable () -> Date

    public init(configuration: CircuitBreaker.Configuration = .init(), now: @escaping @Sendable () -> Date = { Date() })
    {
        self.configuration = configuration
        self.now = now
    }

    /// Whether a call to `endpoint` may go out now.
    public func allowsCall(to endpoint: String) -> Bool {
        let time = now()
        return breakers.withLock {
            $0[endpoint, default: CircuitBreaker(configuration: configuration)].allowsCall(at: time)
        }
    }

    public func recordSuccess(of endpoint: String) {
        breakers.withLock { $0[endpoint, default: CircuitBreaker(configuration: configuration)].recordSuccess() }
    }

    /// A call to `endpoint` ended without an outcome for its breaker (see ``CircuitBreaker/releaseProbe()``).
    public func releaseProbe(of endpoint: String) {
        breakers.withLock { $0[endpoint]?.releaseProbe() }
    }

    public func recordFailure(of endpoint: String, _ message: String) {
        let time = now()
        breakers.withLock {
            $0[endpoint, default: CircuitBreaker(configuration: configuration)].recordFailure(message, at: time)
        }
    }

    /// Every endpoint called so far, sorted.
    public var health: [ProviderHealth] {
        breakers.withLock { breakers in
            breakers.keys.sorted().compactMap { breakers[$0]?.health(endpoint: $0) }
        }
    }
}
