import LemmingJSON

/// Tokens used by a call, as the provider reported them (or as estimated when it did not).
///
/// ``inputTokens`` is every input token of the call, whether the provider read it from its prompt
/// cache, wrote it to the cache, or neither; ``cacheReadTokens`` and ``cacheWriteTokens`` are parts
/// of it. Each provider's counts are normalised to this when decoded: OpenAI
/// (`prompt_tokens_details.cached_tokens`, `input_tokens_details.cached_tokens`) and Gemini
/// (`cachedContentTokenCount`) report the cached tokens as a part of the prompt count already;
/// Anthropic reports `input_tokens` apart from `cache_read_input_tokens` and
/// `cache_creation_input_tokens`, so its three counts are added up. `nil` means the provider did
/// not say (Ollama, most OpenAI-compatible servers), which is not the same as 0.
public struct TokenUsage: Sendable, Equatable {
    /// Every input token: uncached, read from the cache and written to it.
    public var inputTokens: Int
    /// Tokens the model generated (reasoning tokens included when the provider counts them).
    public var outputTokens: Int
    /// The part of ``inputTokens`` read from the provider's prompt cache; `nil`: not reported.
    public var cacheReadTokens: Int?
    /// The part of ``inputTokens`` written to the provider's prompt cache (Anthropic's cache
    /// creation, OpenAI's `cache_write_tokens`); `nil`: not reported.
    public var cacheWriteTokens: Int?
    /// The provider reported nothing; the numbers come from ``TokenEstimator``.
    public var isEstimated: Bool

    /// Counts of one call; cache counts `nil` when not reported.
    public init(
        inputTokens: Int, outputTokens: Int, cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil,
        isEstimated: Bool = false
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.isEstimated = isEstimated
    }

    /// No tokens, reported (not estimated).
    public static let zero = TokenUsage(inputTokens: 0, outputTokens: 0)

    /// The input tokens neither read from nor written to the cache (never negative).
    public var uncachedInputTokens: Int {
        max(0, inputTokens - (cacheReadTokens ?? 0) - (cacheWriteTokens ?? 0))
    }

    /// The tokens of two calls together (estimated when either was; a cache count is known when
    /// either call reported it).
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens,
            cacheReadTokens: add(lhs.cacheReadTokens, rhs.cacheReadTokens),
            cacheWriteTokens: add(lhs.cacheWriteTokens, rhs.cacheWriteTokens),
            isEstimated: lhs.isEstimated || rhs.isEstimated)
    }

    private static func add(_ lhs: Int?, _ rhs: Int?) -> Int? {
        lhs == nil && rhs == nil ? nil : (lhs ?? 0) + (rhs ?? 0)
    }

    /// `{"input_tokens", "output_tokens", "cache_read_input_tokens"?, "cache_creation_input_tokens"?,
    /// "estimated"}`: the cache counts only when the provider reported them. The names are
    /// OpenTelemetry's GenAI usage attributes (`gen_ai.usage.cache_read.input_tokens`,
    /// `gen_ai.usage.cache_creation.input_tokens`), which likewise count inside `input_tokens`.
    public var json: JSONValue {
        var object: JSONObject = ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens)]
        if let cacheReadTokens { object["cache_read_input_tokens"] = .int(cacheReadTokens) }
        if let cacheWriteTokens { object["cache_creation_input_tokens"] = .int(cacheWriteTokens) }
        object["estimated"] = .bool(isEstimated)
        return .object(object)
    }

    /// Reads ``json``; missing counts are 0 (the cache counts `nil`).
    public init(json value: JSONValue) {
        self.init(
            inputTokens: value["input_tokens"]?.intValue ?? 0, outputTokens: value["output_tokens"]?.intValue ?? 0,
            cacheReadTokens: value["cache_read_input_tokens"]?.intValue,
            cacheWriteTokens: value["cache_creation_input_tokens"]?.intValue,
            isEstimated: value["estimated"]?.boolValue ?? false)
    }
}
