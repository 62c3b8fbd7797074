import Foundation
import LemmingCore
import LemmingJSON

/// How long a server asks callers to wait, read from the headers of its answer.
///
/// In order of precedence: `retry-after-ms` (milliseconds; OpenAI and Azure), `Retry-After`
/// (seconds or an HTTP date, RFC 9110 §10.2.3), then OpenAI's `x-ratelimit-reset-requests` and
/// `x-ratelimit-reset-tokens` (`"1s"`, `"6m0s"`, `"20ms"`): the reset of a limit whose
/// `x-ratelimit-remaining-*` is 0, or else the later of the two. A 429's JSON body may say more
/// (``body(_:)``: Gemini's `RetryInfo`, a quota used up).
enum RetryHint {
    /// The wait the headers ask for, if they ask for one.
    ///
    /// - Parameters:
    ///   - header: a header's value by name (names compare case-insensitively).
    ///   - now: the wall-clock time, for a `Retry-After` that is a date.
    static func wait(header: (String) -> String?, now: Date = Date()) -> Duration? {
        if let milliseconds = header("retry-after-ms").flatMap(number), milliseconds >= 0 {
            return .milliseconds(Int64(min(milliseconds, 1e12)))
        }
        if let retryAfter = retryAfter(header("Retry-After"), now: now) { return retryAfter }
        var resets: [(wait: Duration, exhausted: Bool)] = []
        for limit in ["requests", "tokens"] {
            guard let reset = header("x-ratelimit-reset-\(limit)").flatMap(duration) else { continue }
            let remaining = header("x-ratelimit-remaining-\(limit)")?.trimmingWhitespace()
            resets.append((reset, remaining == "0"))
        }
        let exhausted = resets.filter(\.exhausted)
        return (exhausted.isEmpty ? resets : exhausted).map(\.wait).max()
    }

    /// Reads a `Retry-After` value: seconds, or an HTTP date (a date in the past is no wait).
    static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingWhitespace(), !value.isEmpty else { return nil }
        if let seconds = number(value) { return Deadline.seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return Deadline.seconds(date.timeIntervalSince(now))
    }

    /// Reads a duration as Go writes it (`"1h2m3.5s"`, `"20ms"`), or plain seconds (`"1.5"`).
    static func duration(_ text: String) -> Duration? {
        let text = text.trimmingWhitespace()
        if let seconds = number(text) { return Deadline.seconds(seconds) }
        let units: [(suffix: String, seconds: Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var rest = Substring(text)
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(digits), value.isFinite else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let scale = units.first(where: { $0.suffix == unit })?.seconds else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return text.isEmpty ? nil : Deadline.seconds(total)
    }

    /// A finite, non-negative decimal number.
    static func number(_ text: String) -> Double? {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }),
            let value = Double(text), value.isFinite
        else { return nil }
        return max(value, 0)
    }
}

extension RetryHint {
    /// What the JSON body of a 429 says beyond its headers.
    struct Body: Sendable, Equatable {
        /// Gemini's `RetryInfo.retryDelay`: how long to wait.
        var wait: Duration?
        /// Why waiting will not help, when it will not: the account's quota or spend limit is
        /// used up.
        var exhausted: String?
        /// The quota the server names (Gemini `QuotaFailure.violations[].quotaId`), for messages.
        var quota: String?
    }

    /// Reads the body of a 429:
    /// - OpenAI: `{"error": {"type"|"code": "insufficient_quota"}}` — billing, not a rate limit;
    /// - Anthropic: `{"error": {"details": {"error_code": "enforced_spend_limit_reached"}}}` — the
    ///   monthly spend limit (Anthropic API "Rate limits", section "Spend limits");
    /// - Gemini (`google.rpc.Status`): `error.details[]` of `@type`
    ///   `type.googleapis.com/google.rpc.RetryInfo` with `retryDelay`, a protobuf `Duration` in
    ///   JSON (`"57s"`, `"1.5s"`), and `…google.rpc.QuotaFailure` with `violations[].quotaId`; a
    ///   per-day quota (`…PerDay…`) without a delay is used up.
    ///
    /// Anything else, or a value of the wrong type, reads as nothing.
    static func body(_ json: JSONValue?) -> Body {
        guard let error = json?["error"] else { return Body() }
        var body = Body()
        if error["type"]?.stringValue == "insufficient_quota" || error["code"]?.stringValue == "insufficient_quota" {
            body.exhausted = "the account's quota is used up (insufficient_quota)"
        }
        if error["details"]?["error_code"]?.stringValue == "enforced_spend_limit_reached" {
            body.exhausted = "the organization's spend limit is reached (enforced_spend_limit_reached)"
        }
        for detail in error["details"]?.arrayValue ?? [] {
            let type = detail["@type"]?.stringValue ?? ""
            if type.hasSuffix("google.rpc.RetryInfo"), let delay = detail["retryDelay"]?.stringValue {
                body.wait = protobufDuration(delay)
            }
            if type.hasSuffix("google.rpc.QuotaFailure") {
                let quotas = (detail["violations"]?.arrayValue ?? []).compactMap { $0["quotaId"]?.stringValue }
                body.quota = body.quota ?? quotas.first { $0.contains("PerDay") } ?? quotas.first
            }
        }
        if body.wait == nil, let quota = body.quota, quota.contains("PerDay") {
            body.exhausted = "a per-day quota is used up (\(quota))"
        }
        return body
    }

    /// A protobuf `Duration` in its JSON form: seconds with up to nine decimals, then `s`.
    static func protobufDuration(_ text: String) -> Duration? {
        let text = text.trimmingWhitespace()
        guard text.hasSuffix("s"), let seconds = number(String(text.dropLast())) else { return nil }
        return Deadline.seconds(seconds)
    }
}
