import Foundation
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// When and after how long a failed call is tried again.
@Suite struct RetryPolicyTests {
    let serverError = ProviderError(.http, "HTTP 500", httpStatus: 500)

    @Test func backoffDoublesFromTheBaseUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelaySeconds: 0.5, maxDelaySeconds: 5)
        let ceilings = (1...9).map { policy.delay(after: $0, error: serverError, random: 1) }
        #expect(ceilings == [0.5, 1, 2, 4, 5, 5, 5, 5, 5])
    }

    @Test func jitterStaysBetweenZeroAndTheCeiling() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelaySeconds: 1, maxDelaySeconds: 20)
        #expect(policy.delay(after: 3, error: serverError, random: 0) == 0)
        #expect(policy.delay(after: 3, error: serverError, random: 0.25) == 1)
        #expect(policy.delay(after: 3, error: serverError, random: 0.5) == 2)
        // Out-of-range randoms are clamped.
        #expect(policy.delay(after: 3, error: serverError, random: -3) == 0)
        #expect(policy.delay(after: 3, error: serverError, random: 7) == 4)
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...9 {
            let ceiling = min(20, pow(2, Double(attempt - 1)))
            let random = Double.random(in: 0..<1, using: &generator)
            let delay = policy.delay(after: attempt, error: serverError, random: random)
            #expect(delay.map { (0...ceiling).contains($0) } == true)
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
        let policy = RetryPolicy(maxAttempts: 0, baseDelaySeconds: -1, maxDelaySeconds: -2)
        #expect(policy.maxAttempts == 1)
        #expect(policy.baseDelaySeconds == 0)
        #expect(policy.maxDelaySeconds == 0)
        #expect(RetryPolicy(baseDelaySeconds: 3, maxDelaySeconds: 1).maxDelaySeconds == 3)
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
        for code in [ProviderError.Code.invalidResponse, .configuration, .circuitOpen, .emptyReply, .process] {
            #expect(!ProviderError(code, "no").isRetryable)
            #expect(RetryPolicy().delay(after: 1, error: ProviderError(code, "no"), random: 0.5) == nil)
        }
    }

    @Test func retryAfterReplacesTheBackoff() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelaySeconds: 0.5, maxDelaySeconds: 2)
        let limited = ProviderError(.http, "HTTP 429", httpStatus: 429, retryAfterSeconds: 12)
        #expect(policy.delay(after: 1, error: limited, random: 0) == 12)
        #expect(policy.delay(after: 3, error: limited, random: 0.9) == 12)
        #expect(policy.delay(after: 4, error: limited, random: 0.9) == nil)
        let now = ProviderError(.http, "HTTP 503", httpStatus: 503, retryAfterSeconds: 0)
        #expect(policy.delay(after: 1, error: now, random: 0.9) == 0)
    }

    @Test func retryAfterLongerThanTheLimitFailsTheCall() {
        let policy = RetryPolicy()
        let atLimit = ProviderError(.http, "HTTP 429", httpStatus: 429, retryAfterSeconds: policy.maxRetryAfterSeconds)
        #expect(policy.delay(after: 1, error: atLimit, random: 0.5) == policy.maxRetryAfterSeconds)
        let tooLong = ProviderError(.http, "HTTP 429", httpStatus: 429, retryAfterSeconds: 3600)
        #expect(policy.delay(after: 1, error: tooLong, random: 0.5) == nil)
    }

    @Test func retryAfterNeverOverridesANonRetryableStatus() {
        let error = ProviderError(.http, "HTTP 400", httpStatus: 400, retryAfterSeconds: 1)
        #expect(RetryPolicy().delay(after: 1, error: error, random: 0.5) == nil)
    }

    @Test func retryAfterInSeconds() {
        #expect(RetryPolicy.parseRetryAfter("120") == 120)
        #expect(RetryPolicy.parseRetryAfter("  7 ") == 7)
        #expect(RetryPolicy.parseRetryAfter("1.5") == 1.5)
        #expect(RetryPolicy.parseRetryAfter("0") == 0)
        #expect(RetryPolicy.parseRetryAfter("-4") == 0)
    }

    @Test func retryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_445_412_420)  // Wed, 21 Oct 2015 07:27:00 GMT
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 60)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 09:27:00 GMT", now: now) == 7200)
        #expect(RetryPolicy.parseRetryAfter("Thu, 01 Jan 2015 00:00:00 GMT", now: now) == 0)
    }

    @Test func unreadableRetryAfterIsIgnored() {
        for value in [nil, "", "   ", "soon", "nan", "inf", "21 Oct 2015", "Wed, 32 Oct 2015 07:28:00 GMT"] {
            #expect(RetryPolicy.parseRetryAfter(value) == nil, "\(value ?? "nil")")
        }
    }
}
