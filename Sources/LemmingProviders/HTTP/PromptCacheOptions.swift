import Crypto
import LemmingCore
import LemmingJSON

/// How a network provider uses its prompt cache, read from the entry's `options` (validated by
/// ``ModelRegistry``; see `ModelRegistry.validateCacheOptions` and README "Prompt caching").
///
/// Only fields that the provider documents are sent, and to an `openai_compatible` server only the
/// ones an option asks for, so other servers never see unknown fields.
public struct PromptCacheOptions: Sendable, Equatable {
    /// Anthropic: mark the request's breakpoints with `cache_control` (`cache_control`, default on).
    public var marksBreakpoints = true
    /// Anthropic: the marks' `ttl` (`cache_ttl`: `"5m"` or `"1h"`); `nil`: not sent (5 minutes).
    public var anthropicTTL: String?
    /// OpenAI: the prefix of each agent's `prompt_cache_key`; `nil`: no key is sent.
    public var keyPrefix: String?
    /// OpenAI: `prompt_cache_retention` (`"in_memory"` or `"24h"`); `nil`: not sent.
    public var retention: String?
    /// llama.cpp's server: send `"cache_prompt": true` (`cache_prompt`).
    public var cachePrompt = false
    /// Ollama: `keep_alive` (a duration string or seconds); `nil`: not sent.
    public var keepAlive: JSONValue? = "30m"
    /// Gemini: explicit cached contents for the stable prefix (`cached_content`); `nil`: implicit
    /// caching only.
    public var explicitCache: ExplicitCache?

    /// Gemini's explicit cache: how long a cache lives and the smallest prefix worth one.
    public struct ExplicitCache: Sendable, Equatable {
        /// `cached_content_ttl_seconds`, default 3,600.
        public var ttlSeconds = 3_600
        /// `cached_content_min_tokens`, default 4,096 (estimated tokens of the stable prefix).
        public var minTokens = 4_096
    }

    public init() {}

    /// The options of `entry`; `org` names the org in the default cache key prefix (hashed: the
    /// key carries no path).
    public init(entry: ModelEntry, org: String) {
        let options = entry.options
        marksBreakpoints = options["cache_control"]?.boolValue ?? true
        anthropicTTL = options["cache_ttl"]?.stringValue
        retention = options["prompt_cache_retention"]?.stringValue
        let key = options["prompt_cache_key"]
        if let prefix = key?.stringValue {
            keyPrefix = prefix
        } else if key?.boolValue ?? (entry.provider == "openai") {
            keyPrefix = "lemming-" + Self.shortHash(org)
        }
        cachePrompt = options["cache_prompt"]?.boolValue ?? false
        if let value = options["keep_alive"] { keepAlive = value.isNull ? JSONValue?.none : value }
        if options["cached_content"]?.boolValue == true {
            var cache = ExplicitCache()
            if let ttl = options["cached_content_ttl_seconds"]?.intValue { cache.ttlSeconds = ttl }
            if let minimum = options["cached_content_min_tokens"]?.intValue { cache.minTokens = minimum }
            explicitCache = cache
        }
    }

    /// The `prompt_cache_key` of an agent: the same on every turn, different for each agent (a
    /// long agent name is hashed, keeping the key within 64 bytes).
    public func cacheKey(agent: String) -> String? {
        keyPrefix.map { $0 + "/" + (agent.utf8.count > 24 ? Self.shortHash(agent) : agent) }
    }

    /// The option names this type reads, which are not model parameters (Ollama passes its other
    /// options on to the model).
    static let names: Set<String> = [
        "cache_control", "cache_ttl", "prompt_cache_key", "prompt_cache_retention", "cache_prompt", "keep_alive",
        "cached_content", "cached_content_ttl_seconds", "cached_content_min_tokens",
    ]

    /// The first 8 hex digits of SHA-256 of `text`.
    static func shortHash(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
