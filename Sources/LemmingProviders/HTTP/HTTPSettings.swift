import Foundation
import LemmingCore
import LemmingJSON

/// The settings of a network provider, read from its `models.json` entry and the environment.
///
/// The API key comes from the environment only (`api_key_env`, or the provider's usual variable)
/// and never appears in an error, a log or a turn record.
public struct HTTPSettings: Sendable {
    public var key: String
    public var model: String
    /// The base URL, without a trailing slash (`https://api.openai.com/v1`).
    public var baseURL: String
    public var apiKey: String?
    /// How long one call may take, head and body (`timeout_seconds`, default 120).
    public var timeout: Duration
    /// Ask for the reply schema through the provider's structured-output mechanism.
    public var structuredOutput: Bool
    public var retry: RetryPolicy
    /// `rpm` and `tpm`: the calls and tokens a minute the entry's model may use at its endpoint
    /// (shared by every entry naming the same model there; the lowest applies).
    public var rateLimits = RateWindow.Limits()
    public var options: JSONObject
    /// The most bytes of a response body read, whole or streamed; a larger one fails the call with
    /// ``ProviderError/Code/replyTooLarge`` as soon as it passes the cap.
    public var maxResponseBytes = 16 * 1024 * 1024
    /// The most requests in flight at once to this endpoint (`max_concurrent_requests`, 1 to
    /// 4096); `nil`: no limit but the engine's `max_concurrent_turns`.
    public var maxConcurrentRequests: Int?

    public static func defaultBaseURL(for provider: String, environment: [String: String]) -> String? {
        switch provider {
        case "openai": return "https://api.openai.com/v1"
        case "anthropic": return "https://api.anthropic.com"
        case "gemini": return "https://generativelanguage.googleapis.com"
        case "ollama":
            if let host = environment["OLLAMA_HOST"], !host.isEmpty {
                return host.hasPrefix("http") ? host : "http://" + host
            }
            return "http://localhost:11434"
        default: return nil
        }
    }

    /// Reads an entry.
    ///
    /// - Throws: ``LemmingError`` naming the `models.json` field (a missing `base_url` for
    ///   `openai_compatible`, a required key whose variable is not set, a bad option).
    public init(entry: ModelEntry, environment: [String: String]) throws {
        func invalid(_ field: String, _ message: String) -> LemmingError {
            LemmingError(.invalidFile, message, path: "models.json", field: "\(entry.key).\(field)")
        }
        key = entry.key
        model = entry.model
        guard var base = entry.baseURL ?? Self.defaultBaseURL(for: entry.provider, environment: environment) else {
            throw invalid("base_url", "is required for provider '\(entry.provider)'")
        }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw invalid("base_url", "must start with http:// or https://")
        }
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        let variable = entry.keyVariable
        apiKey = variable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        if apiKey == nil, ["openai", "anthropic", "gemini"].contains(entry.provider), entry.baseURL == nil {
            throw LemmingError(
                .provider,
                "no API key: set \(variable ?? "the key variable") in the environment (keys are never read from files)",
                path: "models.json", field: "\(entry.key).api_key_env")
        }
        options = entry.options
        let document = entry.document
        if let value = document["timeout_seconds"], !value.isNull {
            guard let seconds = value.doubleValue, seconds > 0 else {
                throw invalid("timeout_seconds", "must be positive")
            }
            timeout = Deadline.seconds(seconds)
        } else {
            timeout = .seconds(120)
        }
        var retry = RetryPolicy()
        if let retries = document["max_retries"], !retries.isNull {
            guard let count = retries.intValue, (0...10).contains(count) else {
                throw invalid("max_retries", "must be an integer from 0 to 10")
            }
            retry.maxAttempts = count + 1
        }
        if let wait = document["rate_limit_wait_seconds"], !wait.isNull {
            guard let seconds = wait.doubleValue, (0...3600).contains(seconds) else {
                throw invalid("rate_limit_wait_seconds", "must be a number of seconds from 0 to 3600")
            }
            retry.rateLimitPatience = Deadline.seconds(seconds)
        }
        self.retry = retry
        if let value = document["max_concurrent_requests"], !value.isNull {
            guard let count = value.intValue, (1...4096).contains(count) else {
                throw invalid("max_concurrent_requests", "must be an integer from 1 to 4096")
            }
            maxConcurrentRequests = count
        }
        for (field, keyPath) in [("rpm", \RateWindow.Limits.requestsPerMinute), ("tpm", \.tokensPerMinute)] {
            guard let value = document[field], !value.isNull else { continue }
            guard let count = value.intValue, (1...1_000_000_000).contains(count) else {
                throw invalid(field, "must be a whole number from 1 to 1000000000 (per minute)")
            }
            rateLimits[keyPath: keyPath] = count
        }
        structuredOutput = options["structured_output"]?.boolValue ?? true
    }

    /// Replaces the key in `text`, so that no message can carry it.
    public func redacting(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}
