import LemmingJSON

/// One entry of the model registry (`models.json`, DESIGN §4.6).
public struct ModelEntry: Sendable, Equatable {
    /// The registry key agents name in `model.key` (`gpt-4o`, `local`); a key of `models.json`.
    public var key: String
    /// `openai`, `anthropic`, `gemini`, `ollama`, `openai_compatible`, `cli`, `scripted` or `cassette`.
    public var provider: String
    /// The provider-side model id.
    public var model: String
    /// The API's base URL (`base_url`), e.g. `http://127.0.0.1:11434` for Ollama; `nil`: the provider's default.
    public var baseURL: String?
    /// The environment variable holding the API key (never the key itself).
    public var apiKeyEnvironmentVariable: String?
    /// Credits per million uncached input tokens (`price_in_per_mtok`); `nil`: 0.
    public var priceInputPerMillionTokens: Double?
    /// Credits per million output tokens (`price_out_per_mtok`); `nil`: 0.
    public var priceOutputPerMillionTokens: Double?
    /// Credits per million input tokens read from the provider's prompt cache
    /// (`price_cached_in_per_mtok`); `nil`: priced as uncached input.
    public var priceCachedInputPerMillionTokens: Double? = nil
    /// Credits per million input tokens written to the provider's prompt cache
    /// (`price_cache_write_per_mtok`); `nil`: ``defaultCacheWriteMultiplier`` times the input price.
    public var priceCacheWritePerMillionTokens: Double? = nil
    /// Credits per call (`cost_per_call`), used only when the entry has no token prices.
    public var costPerCall: Double?
    /// The model's context window in tokens (`max_context_tokens`); `nil`: unknown, not checked.
    public var maxContextTokens: Int?
    /// Registry keys tried in order when this model fails after retries (`fallback`, DESIGN §6).
    public var fallback: [String]
    /// The cassette every completed call of this entry is appended to (`record`), relative to the
    /// org: a path inside it, without `..`.
    public var record: String? = nil
    /// Provider-specific request options (`options`), passed through (`cache_ttl`, …).
    public var options: JSONObject
    /// The entry as written, provider-specific fields (`command`, `replies`, …) included.
    public var document: JSONObject

    /// The environment variable holding the key: `api_key_env`, else the provider's usual one.
    public var keyVariable: String? { apiKeyEnvironmentVariable ?? Self.defaultKeyVariable(for: provider) }

    /// The usual key variable of a provider (`OPENAI_API_KEY`, …), `nil` for those without keys.
    public static func defaultKeyVariable(for provider: String) -> String? {
        switch provider {
        case "openai": return "OPENAI_API_KEY"
        case "anthropic": return "ANTHROPIC_API_KEY"
        case "gemini": return "GEMINI_API_KEY"
        default: return nil
        }
    }

    /// What a call costs, from the entry's prices. Cache writes without their own price cost
    /// ``defaultCacheWriteMultiplier`` times the input price, so that credits never fall short of
    /// what a provider bills for them.
    public var pricing: Pricing {
        let perToken = priceInputPerMillionTokens != nil || priceOutputPerMillionTokens != nil
        return Pricing(
            inputPerMillion: priceInputPerMillionTokens ?? 0,
            outputPerMillion: priceOutputPerMillionTokens ?? 0,
            perCall: perToken ? 0 : (costPerCall ?? 0),
            cachedInputPerMillion: priceCachedInputPerMillionTokens,
            cacheWritePerMillion: priceCacheWritePerMillionTokens
                ?? priceInputPerMillionTokens.map { $0 * defaultCacheWriteMultiplier }
        )
    }

    /// What a cache write costs against uncached input when `price_cache_write_per_mtok` is not
    /// set: 2 for Anthropic with `"cache_ttl": "1h"`, else 1.25 — Anthropic's 5-minute write, and
    /// OpenAI's write on the models that charge one (the others report no writes). Source: the
    /// providers' prompt-caching pricing pages (2026).
    public var defaultCacheWriteMultiplier: Double {
        provider == "anthropic" && options["cache_ttl"]?.stringValue == "1h" ? 2 : 1.25
    }
}

/// The model registry: built-in defaults with `models.json` merged over them.
public struct ModelRegistry: Sendable, Equatable {
    /// The values `provider` may take in `models.json`.
    public static let knownProviders: Set<String> = [
        "openai", "anthropic", "gemini", "ollama", "openai_compatible", "cli", "scripted", "cassette",
    ]

    /// The entries by key.
    public private(set) var entries: [String: ModelEntry]

    /// A registry of exactly `entries` (no built-in ones; see ``builtIn``).
    public init(entries: [String: ModelEntry] = [:]) {
        self.entries = entries
    }

    /// The entry of `key`, or `nil`.
    public subscript(key: String) -> ModelEntry? { entries[key] }
    /// Every key of the registry.
    public var keys: Set<String> { Set(entries.keys) }

    /// The entries every org has unless `models.json` replaces them: the offline simulation and
    /// common hosted and local models with their context sizes. Prices are the user's to set.
    public static var builtIn: ModelRegistry {
        var registry = ModelRegistry()
        for (key, provider, model, context, options) in builtInModels {
            var document: JSONObject = ["provider": .string(provider), "model": .string(model)]
            if let context { document["max_context_tokens"] = .int(context) }
            if !options.isEmpty { document["options"] = .object(options) }
            registry.entries[key] = ModelEntry(
                key: key, provider: provider, model: model, maxContextTokens: context, fallback: [], options: options,
                document: document)
        }
        return registry
    }

    /// Whether `key` is one of the built-in entries.
    public static func isBuiltIn(_ key: String) -> Bool {
        builtInModels.contains { $0.0 == key }
    }

    private static let builtInModels: [(String, String, String, Int?, JSONObject)] = [
        ("scripted", "scripted", "simulation", nil, [:]),
        ("gpt-4o", "openai", "gpt-4o", 128_000, [:]),
        ("gpt-4o-mini", "openai", "gpt-4o-mini", 128_000, [:]),
        ("gpt-4.1", "openai", "gpt-4.1", 1_047_576, [:]),
        ("gpt-4.1-mini", "openai", "gpt-4.1-mini", 1_047_576, [:]),
        ("gpt-4.1-nano", "openai", "gpt-4.1-nano", 1_047_576, [:]),
        ("o3-mini", "openai", "o3-mini", 200_000, ["max_completion_tokens": true]),
        ("o4-mini", "openai", "o4-mini", 200_000, ["max_completion_tokens": true]),
        ("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", 200_000, [:]),
        ("claude-opus-4-1", "anthropic", "claude-opus-4-1", 200_000, [:]),
        ("claude-3-5-haiku", "anthropic", "claude-3-5-haiku-latest", 200_000, [:]),
        ("gemini-2.5-pro", "gemini", "gemini-2.5-pro", 1_048_576, [:]),
        ("gemini-2.5-flash", "gemini", "gemini-2.5-flash", 1_048_576, [:]),
        ("gemini-2.0-flash", "gemini", "gemini-2.0-flash", 1_048_576, [:]),
        ("llama3.1", "ollama", "llama3.1", 131_072, [:]),
        ("llama3.2", "ollama", "llama3.2", 131_072, [:]),
        ("qwen2.5", "ollama", "qwen2.5", 32_768, [:]),
        ("mistral", "ollama", "mistral", 32_768, [:]),
    ]

    /// The built-in registry with the entries of a `models.json` file over it.
    public static func load(_ bytes: [UInt8]?, file: String = "models.json") -> (ModelRegistry, [ValidationIssue]) {
        var registry = builtIn
        guard let bytes else { return (registry, []) }
        var issues = IssueCollector(file: file)
        guard let object = JSONFile.object(bytes, issues: &issues) else { return (registry, issues.issues) }
        for (key, value) in object {
            guard let entryObject = value.objectValue else {
                issues.error(key, "type", "must be an object (got \(value.typeDescription))")
                continue
            }
            if let entry = parseEntry(key: key, entryObject, issues: &issues) {
                registry.entries[key] = entry
            }
        }
        for entry in registry.entries.values {
            for fallback in entry.fallback where registry.entries[fallback] == nil {
                issues.error("\(entry.key).fallback", "model_key", "'\(fallback)' is not a key of the model registry")
            }
        }
        return (registry, issues.issues)
    }

    private static func parseEntry(key: String, _ object: JSONObject, issues: inout IssueCollector) -> ModelEntry? {
        let before = issues.issues.filter(\.isError).count
        guard let provider = issues.optionalString(object, "provider", prefix: key) else {
            if object["provider"]?.isNull ?? true { issues.error("\(key).provider", "required", "is required") }
            return nil
        }
        guard knownProviders.contains(provider) else {
            let known = knownProviders.sorted().joined(separator: ", ")
            issues.error("\(key).provider", "enum", "unknown provider '\(provider)' (known: \(known))")
            return nil
        }
        let model = issues.optionalString(object, "model", prefix: key)
        if object["model"]?.isNull ?? true, !["cli", "scripted", "cassette"].contains(provider) {
            issues.error("\(key).model", "required", "is required for provider '\(provider)'")
        }
        // Rate limits per minute (README "Pacing"); HTTPSettings reads them from the document.
        for field in ["rpm", "tpm"] { _ = issues.optionalInteger(object, field, prefix: key, in: 1...1_000_000_000) }
        _ = issues.optionalInteger(object, "max_concurrent_requests", prefix: key, in: 1...4096)
        let options = issues.object(object, "options", prefix: key)
        validateCacheOptions(options, key: key, issues: &issues)
        let entry = ModelEntry(
            key: key,
            provider: provider,
            model: model ?? (provider == "scripted" ? "simulation" : provider),
            baseURL: issues.optionalString(object, "base_url", prefix: key),
            apiKeyEnvironmentVariable: issues.optionalString(object, "api_key_env", prefix: key),
            priceInputPerMillionTokens: issues.optionalNumber(object, "price_in_per_mtok", prefix: key, minimum: 0),
            priceOutputPerMillionTokens: issues.optionalNumber(object, "price_out_per_mtok", prefix: key, minimum: 0),
            priceCachedInputPerMillionTokens: issues.optionalNumber(
                object, "price_cached_in_per_mtok", prefix: key, minimum: 0),
            priceCacheWritePerMillionTokens: issues.optionalNumber(
                object, "price_cache_write_per_mtok", prefix: key, minimum: 0),
            costPerCall: issues.optionalNumber(object, "cost_per_call", prefix: key, minimum: 0),
            maxContextTokens: issues.optionalInteger(object, "max_context_tokens", prefix: key, in: 1...Int.max),
            fallback: issues.optionalStrings(object, "fallback", prefix: key) ?? [],
            record: recordPath(object, key: key, issues: &issues),
            options: options,
            document: object
        )
        return issues.issues.filter(\.isError).count == before ? entry : nil
    }

    /// The `record` field: a relative path that stays inside the org.
    private static func recordPath(_ object: JSONObject, key: String, issues: inout IssueCollector) -> String? {
        guard let path = issues.optionalString(object, "record", prefix: key) else { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0"), !path.hasSuffix("/"),
            !components.contains(where: { $0 == ".." })
        else {
            issues.error(
                "\(key).record", "path", "must be a file path relative to the org, inside it (no leading /, no ..)")
            return nil
        }
        return path
    }
}

/// Prices of a model in credits (DESIGN §4.4): per million input and output tokens, or per call.
///
/// Input tokens read from or written to the provider's prompt cache have their own prices
/// (``cachedInputPerMillion``, ``cacheWritePerMillion``); without them they cost what uncached
/// input costs, which never undercharges a provider that discounts cache reads. (A `models.json`
/// entry without a write price gets one above the input price: ``ModelEntry/pricing``.)
public struct Pricing: Sendable, Equatable {
    /// Credits per million uncached input tokens.
    public var inputPerMillion: Double
    /// Credits per million output tokens.
    public var outputPerMillion: Double
    /// Credits per call, whatever the tokens.
    public var perCall: Double
    /// Per million input tokens read from the prompt cache; `nil`: ``inputPerMillion``.
    public var cachedInputPerMillion: Double?
    /// Per million input tokens written to the prompt cache; `nil`: ``inputPerMillion``.
    public var cacheWritePerMillion: Double?

    /// Every call costs nothing (models without prices).
    public static let free = Pricing(inputPerMillion: 0, outputPerMillion: 0, perCall: 0)

    /// - Parameters: credits per million input and output tokens, per call, and per million input
    ///   tokens read from and written to the provider's prompt cache (`nil`: the input price).
    public init(
        inputPerMillion: Double, outputPerMillion: Double, perCall: Double, cachedInputPerMillion: Double? = nil,
        cacheWritePerMillion: Double? = nil
    ) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.perCall = perCall
        self.cachedInputPerMillion = cachedInputPerMillion
        self.cacheWritePerMillion = cacheWritePerMillion
    }

    /// The cost of a call that used these tokens, none of them cached.
    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        cost(TokenUsage(inputTokens: inputTokens, outputTokens: outputTokens))
    }

    /// The cost of a call: its uncached input at ``inputPerMillion``, cache reads at
    /// ``cachedInputPerMillion`` and cache writes at ``cacheWritePerMillion`` (each the input price
    /// when unset), its output at ``outputPerMillion``, plus ``perCall``.
    public func cost(_ usage: TokenUsage) -> Double {
        let uncached = Double(usage.uncachedInputTokens) * inputPerMillion / 1_000_000
        let read = Double(usage.cacheReadTokens ?? 0) * (cachedInputPerMillion ?? inputPerMillion) / 1_000_000
        let written = Double(usage.cacheWriteTokens ?? 0) * (cacheWritePerMillion ?? inputPerMillion) / 1_000_000
        return Credits.round(
            perCall + uncached + read + written + Double(usage.outputTokens) * outputPerMillion / 1_000_000)
    }

    /// The most a call can cost (the reservation before a turn): `inputTokens` of prompt, of which
    /// the first `cacheablePrefixTokens` may be read from or written to the cache, and
    /// `outputTokens`. No cache hit is assumed, and the cacheable prefix is priced at the dearest of
    /// the input, cache read and cache write prices (a write costs more than input at Anthropic).
    public func worstCase(inputTokens: Int, cacheablePrefixTokens: Int, outputTokens: Int) -> Double {
        let prefix = min(max(cacheablePrefixTokens, 0), inputTokens)
        let prefixPrice = max(inputPerMillion, cachedInputPerMillion ?? 0, cacheWritePerMillion ?? 0)
        let input = Double(inputTokens - prefix) * inputPerMillion + Double(prefix) * prefixPrice
        return Credits.round(perCall + input / 1_000_000 + Double(outputTokens) * outputPerMillion / 1_000_000)
    }
}

/// Credit arithmetic: credits are `Double`s, the unit of every price, balance and cost (DESIGN §4.4).
public enum Credits {
    /// Rounds to 1e-9 so that ledgers do not accumulate binary noise (`0.30000000000000004`).
    public static func round(_ value: Double) -> Double {
        (value * 1_000_000_000).rounded() / 1_000_000_000
    }
}
