import Foundation
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The circuit breaker's state machine, with time passed in, and the registry of endpoints.
@Suite struct CircuitBreakerTests {
    let start: Duration = .seconds(1_000)
    let wallStart = Date(timeIntervalSince1970: 1_767_225_600)

    func breaker(threshold: Int = 3, cooldown: Duration = .seconds(30)) -> Breaker {
        Breaker(CircuitBreaker(configuration: .init(failureThreshold: threshold, cooldown: cooldown)))
    }

    /// A breaker held by reference, so `#expect` can call its mutating methods.
    final class Breaker {
        var value: CircuitBreaker
        init(_ value: CircuitBreaker) { self.value = value }
        var state: CircuitBreaker.State { value.state }
        var consecutiveFailures: Int { value.consecutiveFailures }
        var lastError: String? { value.lastError }
        func allowsCall(at time: Duration) -> Bool { value.allowsCall(at: time) }
        func recordFailure(_ message: String, at time: Duration) { value.recordFailure(message, at: time) }
        func recordSuccess() { value.recordSuccess() }
        func releaseProbe() { value.releaseProbe() }
        func health(endpoint: String, at now: Duration, wallNow: Date) -> ProviderHealth {
            value.health(endpoint: endpoint, now: now, wallNow: wallNow)
        }
    }

    @Test func closedCircuitLetsCallsThroughUntilTheThreshold() {
        let breaker = breaker()
        #expect(breaker.state == .closed)
        for failure in 1...2 {
            #expect(breaker.allowsCall(at: start))
            breaker.recordFailure("HTTP 500 #\(failure)", at: start)
            #expect(breaker.state == .closed)
            #expect(breaker.consecutiveFailures == failure)
        }
        #expect(breaker.allowsCall(at: start))
        breaker.recordFailure("HTTP 500 #3", at: start)
        #expect(breaker.state == .open(until: start + .seconds(30)))
        #expect(breaker.lastError == "HTTP 500 #3")
    }

    @Test func successResetsTheCountOfFailuresInARow() {
        let breaker = breaker()
        breaker.recordFailure("one", at: start)
        breaker.recordFailure("two", at: start)
        breaker.recordSuccess()
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.lastError == nil)
        breaker.recordFailure("three", at: start)
        breaker.recordFailure("four", at: start)
        #expect(breaker.state == .closed)
    }

    @Test func openCircuitRefusesCallsUntilTheCooldownHasPassed() {
        let breaker = breaker(threshold: 1, cooldown: .seconds(30))
        breaker.recordFailure("down", at: start)
        #expect(!breaker.allowsCall(at: start))
        #expect(!breaker.allowsCall(at: start + .milliseconds(29999)))
        #expect(breaker.state == .open(until: start + .seconds(30)))
        #expect(breaker.allowsCall(at: start + .seconds(30)))
        #expect(breaker.state == .halfOpen(probeInFlight: true))
    }

    @Test func halfOpenCircuitLetsExactlyOneProbeThrough() {
        let breaker = breaker(threshold: 1)
        breaker.recordFailure("down", at: start)
        let later = start + .seconds(60)
        #expect(breaker.allowsCall(at: later))
        #expect(!breaker.allowsCall(at: later))
        #expect(!breaker.allowsCall(at: later + .seconds(600)))
    }

    @Test func probeSuccessClosesTheCircuit() {
        let breaker = breaker(threshold: 2)
        breaker.recordFailure("one", at: start)
        breaker.recordFailure("two", at: start)
        #expect(breaker.allowsCall(at: start + .seconds(31)))
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.allowsCall(at: start + .seconds(31)))
    }

    @Test func probeFailureReopensTheCircuitForAnotherCooldown() {
        let breaker = breaker(threshold: 2, cooldown: .seconds(10))
        breaker.recordFailure("one", at: start)
        breaker.recordFailure("two", at: start)
        let probe = start + .seconds(15)
        #expect(breaker.allowsCall(at: probe))
        breaker.recordFailure("three", at: probe)
        #expect(breaker.state == .open(until: probe + .seconds(10)))
        #expect(breaker.consecutiveFailures == 3)
        #expect(!breaker.allowsCall(at: probe + .seconds(9)))
        #expect(breaker.allowsCall(at: probe + .seconds(10)))
    }

    @Test func releasedProbeLetsTheNextCallProbe() {
        let breaker = breaker(threshold: 1)
        breaker.recordFailure("down", at: start)
        let later = start + .seconds(31)
        #expect(breaker.allowsCall(at: later))
        breaker.releaseProbe()
        #expect(breaker.state == .halfOpen(probeInFlight: false))
        #expect(breaker.allowsCall(at: later))
        #expect(!breaker.allowsCall(at: later))
    }

    @Test func releasingOutsideHalfOpenChangesNothing() {
        let closed = breaker()
        closed.recordFailure("one", at: start)
        closed.releaseProbe()
        #expect(closed.state == .closed)
        #expect(closed.consecutiveFailures == 1)
        let open = breaker(threshold: 1)
        open.recordFailure("down", at: start)
        open.releaseProbe()
        #expect(open.state == .open(until: start + .seconds(30)))
    }

    @Test func failuresWhileOpenDoNotExtendTheCooldown() {
        let breaker = breaker(threshold: 1, cooldown: .seconds(30))
        breaker.recordFailure("first", at: start)
        breaker.recordFailure("late", at: start + .seconds(20))
        #expect(breaker.state == .open(until: start + .seconds(30)))
        #expect(breaker.consecutiveFailures == 2)
    }

    @Test func configurationIsClamped() {
        let configuration = CircuitBreaker.Configuration(failureThreshold: 0, cooldown: .seconds(-5))
        #expect(configuration.failureThreshold == 1)
        #expect(configuration.cooldown == .zero)
        let breaker = Breaker(CircuitBreaker(configuration: configuration))
        breaker.recordFailure("once", at: start)
        #expect(breaker.state == .open(until: start))
        #expect(breaker.allowsCall(at: start))
    }

    @Test func healthReportsEachState() throws {
        let breaker = breaker(threshold: 1)
        #expect(
            breaker.health(endpoint: "http://x", at: start, wallNow: wallStart)
                == ProviderHealth(endpoint: "http://x", state: .closed, consecutiveFailures: 0))
        breaker.recordFailure("HTTP 503", at: start)
        // Read 10 s later: the circuit closes 20 s after that wall-clock time.
        let open = breaker.health(endpoint: "http://x", at: start + .seconds(10), wallNow: wallStart)
        #expect(open.state == .open)
        #expect(open.retryAt == Timestamp.format(wallStart.addingTimeInterval(20)))
        #expect(open.lastError == "HTTP 503")
        #expect(ProviderHealth(json: open.json) == open)
        _ = breaker.allowsCall(at: start + .seconds(30))
        let halfOpen = breaker.health(endpoint: "http://x", at: start + .seconds(30), wallNow: wallStart)
        #expect(halfOpen.state == .halfOpen)
        #expect(halfOpen.retryAt == nil)
        #expect(halfOpen.json["state"] == "half_open")
    }

    @Test func registryKeepsOneBreakerPerEndpoint() {
        let clock = ManualClock()
        let registry = EndpointRegistry(configuration: .init(failureThreshold: 2, cooldown: .seconds(5)), clock: clock)
        #expect(registry.health.isEmpty)
        #expect(registry.allowsCall(to: "http://b"))
        #expect(registry.allowsCall(to: "http://a"))
        registry.recordFailure(of: "http://a", "one")
        registry.recordFailure(of: "http://a", "two")
        #expect(!registry.allowsCall(to: "http://a"))
        #expect(registry.allowsCall(to: "http://b"))
        #expect(registry.health.map(\.endpoint) == ["http://a", "http://b"])
        #expect(registry.health.map(\.state) == [.open, .closed])
        clock.advance(by: .seconds(5))
        #expect(registry.allowsCall(to: "http://a"))
        #expect(!registry.allowsCall(to: "http://a"))
        registry.releaseProbe(of: "http://a")
        #expect(registry.allowsCall(to: "http://a"))
        registry.recordSuccess(of: "http://a")
        #expect(registry.health.map(\.state) == [.closed, .closed])
    }
}

/// The rate-limit gate beside each breaker.
@Suite struct EndpointGateTests {
    @Test func holdOffKeepsTheLatestTimeAndEndsWhenItPasses() {
        let clock = ManualClock()
        let registry = EndpointRegistry(clock: clock)
        #expect(registry.notBefore("http://a") == nil)
        registry.holdOff("http://a", until: .seconds(5))
        registry.holdOff("http://a", until: .seconds(2))
        #expect(registry.notBefore("http://a") == .seconds(5))
        #expect(registry.notBefore("http://b") == nil)
        clock.advance(by: .seconds(4))
        #expect(registry.notBefore("http://a") == .seconds(5))
        clock.advance(by: .seconds(1))
        #expect(registry.notBefore("http://a") == nil)
        #expect(registry.allowsCall(to: "http://a"))
        #expect(registry.health.map(\.state) == [.closed, .closed])
    }
}
