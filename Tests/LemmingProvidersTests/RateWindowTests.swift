import Foundation
import Testing

@testable import LemmingProviders

/// The sliding window of ``RateWindow``: its arithmetic, on readings passed in (no clock).
struct RateWindowTests {
    static func window(rpm: Int? = nil, tpm: Int? = nil) -> RateWindow {
        var window = RateWindow()
        window.configure(.init(requestsPerMinute: rpm, tokensPerMinute: tpm), by: "m")
        return window
    }

    @Test func withoutALimitEveryCallGoesAtOnce() {
        var window = RateWindow()
        for _ in 0..<1000 { _ = window.record(tokens: 1_000_000, at: .zero) }
        #expect(window.earliestStart(tokens: 1_000_000, now: .zero) == .zero)
        #expect(window.remaining(now: .zero).requests == nil)
    }

    @Test func aCallWaitsForTheOldestOfTheLastMinuteToLeave() {
        var window = Self.window(rpm: 3)
        for second in [0, 10, 20] { _ = window.record(tokens: 0, at: .seconds(second)) }
        #expect(window.earliestStart(tokens: 0, now: .seconds(25)) == .seconds(60))
        #expect(window.remaining(now: .seconds(25)).requests == 0)
        _ = window.record(tokens: 0, at: .seconds(60))
        #expect(window.earliestStart(tokens: 0, now: .seconds(60)) == .seconds(70))
        #expect(window.remaining(now: .seconds(65)).requests == 0)
        #expect(window.remaining(now: .seconds(71)).requests == 1)
    }

    @Test func tokensWaitUntilEnoughHaveLeftTheWindow() {
        var window = Self.window(tpm: 1000)
        _ = window.record(tokens: 600, at: .zero)
        _ = window.record(tokens: 300, at: .seconds(30))
        #expect(window.earliestStart(tokens: 100, now: .seconds(31)) == .seconds(31))
        #expect(window.earliestStart(tokens: 200, now: .seconds(31)) == .seconds(60))
        #expect(window.earliestStart(tokens: 800, now: .seconds(31)) == .seconds(90))
        #expect(window.remaining(now: .seconds(31)).tokens == 100)
    }

    /// The usage reported afterwards replaces the estimate: a call estimated at its whole
    /// `max_tokens` that used few leaves room for the next.
    @Test func settlingWithTheReportedUsageFreesWhatTheEstimateHeld() {
        var window = Self.window(tpm: 1000)
        let id = window.record(tokens: 700, at: .zero)
        #expect(window.earliestStart(tokens: 700, now: .seconds(1)) == .seconds(60))
        window.settle(id, tokens: 50)
        #expect(window.earliestStart(tokens: 700, now: .seconds(1)) == .seconds(1))
        window.settle(id, tokens: 900)
        #expect(window.earliestStart(tokens: 200, now: .seconds(1)) == .seconds(60))
        window.cancel(id)
        #expect(window.earliestStart(tokens: 1000, now: .seconds(1)) == .seconds(1))
    }

    /// A call that went later than it took its place (it waited for a place in flight) counts
    /// from when it went.
    @Test func aRestampedCallCountsFromWhenItWent() {
        var window = Self.window(rpm: 2)
        let first = window.record(tokens: 0, at: .zero)
        let second = window.record(tokens: 0, at: .zero)
        window.restamp(second, at: .seconds(30))
        window.restamp(first, at: .seconds(10))
        #expect(window.earliestStart(tokens: 0, now: .seconds(31)) == .seconds(70))
        // Never earlier than it was.
        window.restamp(second, at: .seconds(5))
        #expect(window.earliestStart(tokens: 0, now: .seconds(31)) == .seconds(70))
        #expect(window.earliestStart(tokens: 0, now: .seconds(71)) == .seconds(71))
    }

    @Test func aCallLargerThanTheLimitGoesOnceTheWindowIsEmpty() {
        var window = Self.window(tpm: 1000)
        _ = window.record(tokens: 10, at: .seconds(5))
        #expect(window.earliestStart(tokens: 5000, now: .seconds(6)) == .seconds(65))
    }

    /// Every entry sharing the model sets a limit; the lowest applies, and the server's stated
    /// limit counts like one more.
    @Test func theStrictestOfTheEntriesAndTheServerApplies() {
        var window = RateWindow()
        window.configure(.init(requestsPerMinute: 50), by: "a")
        window.configure(.init(requestsPerMinute: 20, tokensPerMinute: 9000), by: "b")
        #expect(window.limits == .init(requestsPerMinute: 20, tokensPerMinute: 9000))
        window.observe(RateLimitReport(requests: .init(limit: 10, remaining: 9)), now: .zero)
        #expect(window.limits == .init(requestsPerMinute: 10, tokensPerMinute: 9000))
        window.configure(.init(), by: "b")
        window.observe(RateLimitReport(requests: .init(limit: 100, remaining: 9)), now: .zero)
        #expect(window.limits == .init(requestsPerMinute: 50))
    }

    @Test func aLimitUsedUpClosesTheWindowUntilItResets() {
        var window = RateWindow()
        let report = RateLimitReport(tokens: .init(limit: 1000, remaining: 0, reset: .seconds(30)))
        window.observe(report, now: .seconds(10))
        #expect(window.closedUntil == .seconds(40))
        #expect(window.earliestStart(tokens: 1, now: .seconds(11)) == .seconds(40))
        // Remaining but not zero, or no reset: no wait beyond the window.
        window.observe(RateLimitReport(requests: .init(remaining: 3, reset: .seconds(500))), now: .seconds(41))
        #expect(window.earliestStart(tokens: 1, now: .seconds(41)) == .seconds(41))
    }

    /// Calls arriving at random, each sent at the earliest the window allows: no minute ever
    /// holds more than the limits.
    @Test(arguments: [1, 2, 3])
    func noMinuteEverHoldsMoreThanTheLimits(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var window = Self.window(rpm: 7, tpm: 2000)
        var now = Duration.zero
        var sends: [(at: Duration, tokens: Int)] = []
        for _ in 0..<300 {
            now += .milliseconds(Int64(random.next() % 20_000))
            let tokens = Int(random.next() % 900)
            let start = window.earliestStart(tokens: tokens, now: now)
            #expect(start >= now)
            now = start
            _ = window.record(tokens: tokens, at: now)
            sends.append((now, tokens))
        }
        for send in sends {
            let minute = sends.filter { $0.at >= send.at && $0.at < send.at + .seconds(60) }
            #expect(minute.count <= 7)
            #expect(minute.reduce(0) { $0 + $1.tokens } <= 2000)
        }
    }
}

/// A small deterministic generator (SplitMix64) for the property test.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
