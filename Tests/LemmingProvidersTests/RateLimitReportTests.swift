import Foundation
import LemmingJSON
import Testing

@testable import LemmingProviders

/// The rate-limit headers of OpenAI and Anthropic and the 429 bodies of OpenAI, Anthropic and
/// Gemini, as the servers write them; malformed values are ignored, never a crash or a wait.
struct RateLimitReportTests {
    static func read(
        _ headers: [String: String], now: Date = Date(timeIntervalSince1970: 1_767_225_600)
    )
        -> RateLimitReport
    {
        RateLimitReport.read(
            header: { name in headers.first { $0.key.lowercased() == name.lowercased() }?.value }, now: now)
    }

    /// OpenAI guide "Rate limits", "Rate limits in headers": the sample values.
    @Test func openAIHeadersWithGoDurations() {
        let report = Self.read([
            "x-ratelimit-limit-requests": "60", "x-ratelimit-limit-tokens": "150000",
            "x-ratelimit-remaining-requests": "59", "x-ratelimit-remaining-tokens": "149984",
            "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s",
        ])
        #expect(report.requests == .init(limit: 60, remaining: 59, reset: .seconds(1)))
        #expect(report.tokens == .init(limit: 150_000, remaining: 149_984, reset: .seconds(360)))
        #expect(report.inputTokens == nil)
        let long = Self.read(["x-ratelimit-reset-tokens": "23h18m29.5s", "x-ratelimit-remaining-tokens": "0"])
        #expect(long.tokens?.reset == .milliseconds(83_909_500))
        #expect(long.tokens?.remaining == 0)
        #expect(Self.read(["x-ratelimit-reset-requests": "120ms"]).requests?.reset == .milliseconds(120))
    }

    /// Azure OpenAI writes the resets in seconds.
    @Test func azureResetsInSeconds() {
        #expect(Self.read(["x-ratelimit-reset-requests": "7"]).requests?.reset == .seconds(7))
    }

    /// Anthropic API "Rate limits", "Response headers": RFC 3339 resets, four limits.
    @Test func anthropicHeadersWithRFC3339Resets() {
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let report = Self.read(
            [
                "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "0",
                "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:12Z",
                "anthropic-ratelimit-tokens-limit": "80000", "anthropic-ratelimit-tokens-remaining": "79000",
                "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:01.500Z",
                "anthropic-ratelimit-input-tokens-limit": "40000",
                "anthropic-ratelimit-input-tokens-remaining": "39000",
                "anthropic-ratelimit-input-tokens-reset": "2026-01-01T00:00:01Z",
                "anthropic-ratelimit-output-tokens-limit": "8000",
                "anthropic-ratelimit-output-tokens-remaining": "8000",
                "anthropic-ratelimit-output-tokens-reset": "2025-12-31T23:59:00Z",
            ], now: now)
        #expect(report.requests == .init(limit: 50, remaining: 0, reset: .seconds(12)))
        #expect(report.tokens == .init(limit: 80000, remaining: 79000, reset: .milliseconds(1500)))
        #expect(report.inputTokens == .init(limit: 40000, remaining: 39000, reset: .seconds(1)))
        // A reset in the past is no wait.
        #expect(report.outputTokens?.reset == .zero)
    }

    @Test func noHeadersIsAnEmptyReport() {
        #expect(Self.read(["content-type": "application/json", "retry-after": "3"]).isEmpty)
    }

    @Test(arguments: [
        "", " ", "lots", "-1", "1.5", "1e3", "0x10", "99999999999999999999999", "12 ", "١٢",
    ])
    func malformedCountsAreIgnored(value: String) {
        let report = Self.read([
            "x-ratelimit-limit-requests": value, "x-ratelimit-remaining-requests": value,
            "anthropic-ratelimit-tokens-remaining": value,
        ])
        // "12 " is a number with a space: read as 12; everything else reads as absent.
        if value == "12 " {
            #expect(report.requests?.remaining == 12)
        } else {
            #expect(report.requests == nil)
            #expect(report.tokens == nil)
        }
    }

    @Test(arguments: ["", "soon", "5x", "m", "1h-3m", "--1s", "1..5s", "nan", "inf", "2026-13-45T99:00:00Z"])
    func malformedResetsAreIgnored(value: String) {
        let report = Self.read([
            "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": value,
            "anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": value,
        ])
        #expect(report.requests?.reset == nil)
        #expect(report.tokens?.reset == nil)
        var window = RateWindow()
        window.observe(report, now: .seconds(5))
        #expect(window.earliestStart(tokens: 1, now: .seconds(5)) == .seconds(5))
    }

    /// A zero limit says nothing usable (Azure sends 0 and -1 on some APIs): it is not a limit.
    @Test func aZeroLimitIsNoLimit() {
        #expect(Self.read(["x-ratelimit-limit-requests": "0"]).requests == nil)
    }

    // MARK: - 429 bodies

    /// Gemini's `google.rpc.Status` with `RetryInfo` and `QuotaFailure` (Gemini API
    /// "Rate limits"; the shape many clients parse).
    static func gemini(
        delay: String?, quotaID: String = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
    )
        -> JSONValue
    {
        var details: [JSONValue] = [
            [
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    [
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                        "quotaId": .string(quotaID),
                    ]
                ],
            ]
        ]
        if let delay {
            details.append(["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string(delay)])
        }
        return [
            "error": [
                "code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "You exceeded your current quota. Please retry in 57.7s.", "details": .array(details),
            ]
        ]
    }

    @Test func geminiRetryInfoIsTheWait() {
        #expect(RetryHint.body(Self.gemini(delay: "57s")).wait == .seconds(57))
        #expect(RetryHint.body(Self.gemini(delay: "1.5s")).wait == .milliseconds(1500))
        #expect(RetryHint.body(Self.gemini(delay: "57s")).exhausted == nil)
        #expect(
            RetryHint.body(Self.gemini(delay: "57s")).quota == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier")
    }

    @Test(arguments: ["57", "s", "abc s", "-5s", "", "5m"])
    func malformedRetryDelaysAreNoWait(delay: String) {
        let wait = RetryHint.body(Self.gemini(delay: delay)).wait
        #expect(wait == nil || wait == .zero)
    }

    @Test func aPerDayQuotaWithoutADelayIsUsedUp() {
        let body = RetryHint.body(Self.gemini(delay: nil, quotaID: "GenerateRequestsPerDayPerProjectPerModel-FreeTier"))
        #expect(body.exhausted?.contains("per-day quota") == true)
        #expect(body.wait == nil)
        // With a delay, it is waited for like any other (when the call may wait that long).
        let delayed = RetryHint.body(
            Self.gemini(delay: "36000s", quotaID: "GenerateRequestsPerDayPerProjectPerModel-FreeTier"))
        #expect(delayed.exhausted == nil)
        #expect(delayed.wait == .seconds(36000))
    }

    @Test func quotasAndSpendLimitsAreNotBackpressure() {
        let openAI: JSONValue = [
            "error": [
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota", "param": nil, "code": "insufficient_quota",
            ]
        ]
        #expect(RetryHint.body(openAI).exhausted?.contains("insufficient_quota") == true)
        let anthropic: JSONValue = [
            "type": "error",
            "error": [
                "type": "rate_limit_error", "message": "You have reached your API usage limits.",
                "details": ["error_code": "enforced_spend_limit_reached"],
            ],
        ]
        #expect(RetryHint.body(anthropic).exhausted?.contains("enforced_spend_limit_reached") == true)
        let limited: JSONValue = [
            "type": "error", "error": ["type": "rate_limit_error", "message": "Number of requests exceeded"],
        ]
        #expect(RetryHint.body(limited) == RetryHint.Body())
        #expect(RetryHint.body(nil) == RetryHint.Body())
        #expect(RetryHint.body(["error": "a string"]) == RetryHint.Body())
        #expect(RetryHint.body(["error": ["details": 5]]) == RetryHint.Body())
    }
}
