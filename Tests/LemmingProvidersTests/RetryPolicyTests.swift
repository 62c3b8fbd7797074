import Foundation
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// When and after how long a failed call is tried again, and how a rate limit is waited out.
@Suite struct RetryPolicyTests {
    let serverError = ProviderError(.http, "HTTP 500", httpStatus: 500)

    @Test func backoffDoublesFromTheBaseUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(500), maxDelay: .seconds(5))
        let ceilings = (1...9).map { policy.delay(after: $0, error: serverError, random: 1) }
        let seconds: [Double] = [0.5, 1, 2, 4, 5, 5, 5, 5, 5]
        #expect(ceilings == seconds.map { Deadline.seconds($0) })
    }

    @Test func jitterStaysBetweenZeroAndTheCeiling() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(20))
        #expect(policy.delay(after: 3, error: serverError, random: 0) == .zero)
        #expect(policy.delay(after: 3, error: serverError, random: 0.25) == .seconds(1))
        #expect(policy.delay(after: 3, error: serverError, random: 0.5) == .seconds(2))
        // Out-of-range randoms are clamped.
        #expect(policy.delay(after: 3, error: serverError, random: -3) == .zero)
        #expect(policy.delay(after: 3, error: serverError, random: 7) == .seconds(4))
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...9 {
            let ceiling = min(Duration.seconds(20), .seconds(1) * pow(2, Double(attempt - 1)))
            let random = Double.random(in: 0..<1, using: &generator)
            let delay = policy.delay(after: attempt, error: serverError, random: random)
            #expect(delay.map { $0 >= .zero && $0 <= ceiling } == true)
        }
    }

    @Test func givesUpAfterTheLastAttempt() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.delay(after: 1, error: serverError, random: 0.5) != nil)
        #expect(policy.delay(after: 2, error: serverError, random: 0.5) != nil)
        #expect(policy.delay(after: 3, error: serverError, random: 0.5) == nil)
        #expect(RetryPolicy(maxAttempts: 1).delay(after: 1, error: serverError, random: 0.5) == nil)
    }

    @Test func limitsAreClamped() {
        let policy = RetryPolicy(
            maxAttempts: 0, baseDelay: .seconds(-1), maxDelay: .seconds(-2), rateLimitPatience: .seconds(-3))
        #expect(policy.maxAttempts == 1)
        #expect(policy.baseDelay == .zero)
        #expect(policy.maxDelay == .zero)
        #expect(policy.rateLimitPatience == .zero)
        #expect(RetryPolicy(baseDelay: .seconds(3), maxDelay: .seconds(1)).maxDelay == .seconds(3))
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 529, 599])
    func retryableStatuses(status: Int) {
        let error = ProviderError(.http, "HTTP \(status)", httpStatus: status)
        #expect(error.isRetryable)
        #expect(RetryPolicy().delay(after: 1, error: error, random: 0.5) != nil)
    }

    @Test(arguments: [400, 401, 403, 404, 413, 422, 451, 600])
    func nonRetryableStatuses(status: Int) {
        let error = ProviderError(.http, "HTTP \(status)", httpStatus: status)
        #expect(!error.isRetryable)
        #expect(RetryPolicy().delay(after: 1, error: error, random: 0.5) == nil)
    }

    @Test func connectionErrorsAndTimeoutsAreRetriedOtherFailuresAreNot() {
        #expect(ProviderError(.connection, "refused").isRetryable)
        #expect(ProviderError(.timeout, "slow").isRetryable)
        let others: [ProviderError.Code] = [
            .invalidResponse, .configuration, .circuitOpen, .emptyReply, .process, .replyTooLarge, .rateLimited,
        ]
        for code in others {
            #expect(!ProviderError(code, "no").isRetryable)
            #expect(RetryPolicy().delay(after: 1, error: ProviderError(code, "no"), random: 0.5) == nil)
        }
    }

    @Test func retryAfterReplacesTheBackoffOfAFailure() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxDelay: .seconds(2))
        let failing = ProviderError(.http, "HTTP 502", httpStatus: 502, retryAfter: .seconds(12))
        #expect(policy.delay(after: 1, error: failing, random: 0) == .seconds(12))
        #expect(policy.delay(after: 3, error: failing, random: 0.9) == .seconds(12))
        #expect(policy.delay(after: 4, error: failing, random: 0.9) == nil)
        let tooLong = ProviderError(.http, "HTTP 502", httpStatus: 502, retryAfter: .seconds(3600))
        #expect(policy.delay(after: 1, error: tooLong, random: 0.5) == nil)
    }

    @Test func retryAfterNeverOverridesANonRetryableStatus() {
        let error = ProviderError(.http, "HTTP 400", httpStatus: 400, retryAfter: .seconds(1))
        #expect(RetryPolicy().delay(after: 1, error: error, random: 0.5) == nil)
        #expect(!error.isBackpressure)
    }

    // MARK: - Backpressure

    @Test func backpressureIsA429OrA503ThatSaysWhenToComeBack() {
        #expect(ProviderError(.http, "", httpStatus: 429).isBackpressure)
        #expect(ProviderError(.http, "", httpStatus: 429, retryAfter: .seconds(1)).isBackpressure)
        #expect(ProviderError(.http, "", httpStatus: 503, retryAfter: .seconds(1)).isBackpressure)
        #expect(!ProviderError(.http, "", httpStatus: 503).isBackpressure)
        #expect(!ProviderError(.http, "", httpStatus: 500, retryAfter: .seconds(1)).isBackpressure)
        #expect(!ProviderError(.http, "", httpStatus: 529).isBackpressure)
        #expect(!ProviderError(.connection, "").isBackpressure)
    }

    @Test func waitsForBackpressureDoNotUseUpAttempts() {
        var attempts = RetryPolicy.Attempts(policy: RetryPolicy(maxAttempts: 1))
        let limited = ProviderError(.http, "HTTP 429", httpStatus: 429, retryAfter: .seconds(1))
        for second in 0..<100 {
            #expect(attempts.next(after: limited, elapsed: .seconds(second), random: 0.5) == .holdOff(.seconds(1)))
        }
        #expect(attempts.waits == 100 && attempts.failures == 0)
        #expect(attempts.next(after: serverError, elapsed: .seconds(100), random: 0.5) == .giveUp(nil))
    }

    @Test func backpressureIsWaitedOutOnlyWithinThePatience() {
        var attempts = RetryPolicy.Attempts(policy: RetryPolicy(rateLimitPatience: .seconds(120)))
        let asked = ProviderError(.http, "HTTP 429", httpStatus: 429, retryAfter: .seconds(30))
        #expect(attempts.next(after: asked, elapsed: .seconds(90), random: 0) == .holdOff(.seconds(30)))
        let decision = attempts.next(after: asked, elapsed: .seconds(91), random: 0)
        #expect(decision == .giveUp("asked to wait 30 s; a call waits at most 120 s"))
    }

    @Test func backpressureWithoutAHintBacksOffWithEqualJitter() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(8))
        #expect(policy.holdOff(wait: 1, asked: nil, random: 0) == .milliseconds(500))
        #expect(policy.holdOff(wait: 1, asked: nil, random: 1) == .seconds(1))
        #expect(policy.holdOff(wait: 3, asked: nil, random: 0) == .seconds(2))
        #expect(policy.holdOff(wait: 9, asked: nil, random: 1) == .seconds(8))
        // "Retry-After: 0" is not a reason to hammer the endpoint.
        #expect(policy.holdOff(wait: 2, asked: .zero, random: 0) == .seconds(1))
        #expect(policy.holdOff(wait: 2, asked: .seconds(7), random: 0) == .seconds(7))
    }

    @Test func failuresAreAnnotatedWithTheAttemptsMade() {
        var attempts = RetryPolicy.Attempts(policy: RetryPolicy(maxAttempts: 3))
        #expect(attempts.next(after: serverError, elapsed: .zero, random: 1) == .retry(after: .milliseconds(500)))
        #expect(attempts.next(after: serverError, elapsed: .zero, random: 1) == .retry(after: .seconds(1)))
        #expect(attempts.next(after: serverError, elapsed: .zero, random: 1) == .giveUp("after 3 attempts"))
        var rejected = RetryPolicy.Attempts(policy: RetryPolicy())
        let unauthorized = ProviderError(.http, "HTTP 401", httpStatus: 401)
        #expect(rejected.next(after: unauthorized, elapsed: .zero, random: 1) == .giveUp(nil))
    }

    // MARK: - Hints

    func hint(_ headers: [String: String], now: Date = Date()) -> Duration? {
        RetryHint.wait(header: { name in headers.first { $0.key.lowercased() == name.lowercased() }?.value }, now: now)
    }

    @Test func retryAfterInSeconds() {
        #expect(RetryHint.retryAfter("120") == .seconds(120))
        #expect(RetryHint.retryAfter("  7 ") == .seconds(7))
        #expect(RetryHint.retryAfter("1.5") == .milliseconds(1500))
        #expect(RetryHint.retryAfter("0") == .zero)
        #expect(RetryHint.retryAfter("-4") == .zero)
    }

    @Test func retryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_445_412_420)  // Wed, 21 Oct 2015 07:27:00 GMT
        #expect(RetryHint.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(60))
        #expect(RetryHint.retryAfter("Wed, 21 Oct 2015 09:27:00 GMT", now: now) == .seconds(7200))
        #expect(RetryHint.retryAfter("Thu, 01 Jan 2015 00:00:00 GMT", now: now) == .zero)
    }

    @Test func unreadableRetryAfterIsIgnored() {
        for value in [nil, "", "   ", "soon", "nan", "inf", "21 Oct 2015", "Wed, 32 Oct 2015 07:28:00 GMT"] {
            #expect(RetryHint.retryAfter(value) == nil, "\(value ?? "nil")")
        }
    }

    @Test func retryAfterMillisecondsComesFirst() {
        #expect(hint(["retry-after-ms": "250", "Retry-After": "3"]) == .milliseconds(250))
        #expect(hint(["Retry-After": "3", "x-ratelimit-reset-requests": "20s"]) == .seconds(3))
        #expect(hint(["retry-after-ms": "soon", "Retry-After": "3"]) == .seconds(3))
    }

    @Test func openAIResetHeadersAreGoDurations() {
        #expect(RetryHint.duration("1s") == .seconds(1))
        #expect(RetryHint.duration("6m0s") == .seconds(360))
        #expect(RetryHint.duration("20ms") == .milliseconds(20))
        #expect(RetryHint.duration("1h2m3.5s") == .milliseconds(3_723_500))
        #expect(RetryHint.duration("2.5") == .milliseconds(2500))
        for bad in ["", "s", "5x", "1s2", "tomorrow"] { #expect(RetryHint.duration(bad) == nil, "\(bad)") }
    }

    @Test func theResetOfTheExhaustedLimitIsTheWait() {
        let requestsOut = [
            "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s",
            "x-ratelimit-remaining-tokens": "5000", "x-ratelimit-reset-tokens": "6m0s",
        ]
        #expect(hint(requestsOut) == .seconds(2))
        let tokensOut = [
            "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "2s",
            "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1m30s",
        ]
        #expect(hint(tokensOut) == .seconds(90))
        #expect(hint(["x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "7s"]) == .seconds(7))
        #expect(hint(["x-ratelimit-limit-requests": "60"]) == nil)
        #expect(hint([:]) == nil)
    }
}
