import LemmingJSON
import Testing

@testable import LemmingCore

private func load(_ text: String) -> (ModelRegistry, [ValidationIssue]) {
    ModelRegistry.load(Array(text.utf8))
}

@Test func withoutAFileOnlyTheBuiltInsExist() {
    let (registry, issues) = ModelRegistry.load(nil)
    #expect(issues.isEmpty)
    #expect(registry == ModelRegistry.builtIn)
    #expect(registry.keys.contains("scripted"))
    #expect(registry.keys.allSatisfy(ModelRegistry.isBuiltIn))
    #expect(registry["gpt-4o-mini"]?.provider == "openai")
    #expect(registry["gpt-4o-mini"]?.maxContextTokens == 128_000)
    #expect(registry["gpt-4o-mini"]?.pricing == .free)
    #expect(registry["scripted"]?.provider == "scripted")
    #expect(registry["scripted"]?.pricing == .free)
}

@Test func fileEntriesAreMergedOverTheBuiltIns() throws {
    let (registry, issues) = load(
        #"""
        {"gpt": {"provider": "openai", "model": "gpt-4o", "price_in_per_mtok": 2.5, "price_out_per_mtok": 10,
                 "fallback": ["local"], "max_context_tokens": 128000, "api_key_env": "MY_KEY",
                 "options": {"seed": 1}},
         "local": {"provider": "ollama", "model": "llama3", "base_url": "http://localhost:11434",
                   "cost_per_call": 0.5},
         "tool": {"provider": "cli", "command": ["./run"]}}
        """#)
    #expect(issues.isEmpty)
    #expect(registry.keys == ModelRegistry.builtIn.keys.union(["gpt", "local", "tool"]))
    let gpt = try #require(registry["gpt"])
    #expect(gpt.model == "gpt-4o")
    #expect(gpt.fallback == ["local"])
    #expect(gpt.maxContextTokens == 128_000)
    #expect(gpt.apiKeyEnvironmentVariable == "MY_KEY")
    #expect(gpt.options == ["seed": 1])
    #expect(gpt.pricing == Pricing(inputPerMillion: 2.5, outputPerMillion: 10, perCall: 0, cacheWritePerMillion: 3.125))
    let local = try #require(registry["local"])
    #expect(local.baseURL == "http://localhost:11434")
    #expect(local.pricing == Pricing(inputPerMillion: 0, outputPerMillion: 0, perCall: 0.5))
    let tool = try #require(registry["tool"])
    #expect(tool.model == "cli")
    #expect(tool.document["command"] == ["./run"])
}

@Test func fileCanReplaceABuiltIn() {
    let (registry, issues) = load(#"{"scripted": {"provider": "scripted", "model": "echo"}}"#)
    #expect(issues.isEmpty)
    #expect(registry["scripted"]?.model == "echo")
}

@Test(arguments: [
    (#"{"x": 5}"#, "x", "type"),
    (#"{"x": {"model": "m"}}"#, "x.provider", "required"),
    (#"{"x": {"provider": "skynet", "model": "m"}}"#, "x.provider", "enum"),
    (#"{"x": {"provider": 1, "model": "m"}}"#, "x.provider", "type"),
    (#"{"x": {"provider": "openai"}}"#, "x.model", "required"),
    (#"{"x": {"provider": "openai", "model": "m", "price_in_per_mtok": -1}}"#, "x.price_in_per_mtok", "range"),
    (#"{"x": {"provider": "openai", "model": "m", "cost_per_call": "1"}}"#, "x.cost_per_call", "type"),
    (#"{"x": {"provider": "openai", "model": "m", "max_context_tokens": 0}}"#, "x.max_context_tokens", "range"),
    (#"{"x": {"provider": "openai", "model": "m", "fallback": "y"}}"#, "x.fallback", "type"),
    (#"{"x": {"provider": "openai", "model": "m", "fallback": [1]}}"#, "x.fallback[0]", "type"),
    (#"{"x": {"provider": "openai", "model": "m", "options": []}}"#, "x.options", "type"),
])
func eachBrokenEntryIsOneErrorAndTheEntryIsLeftOut(text: String, field: String, rule: String) {
    let (registry, issues) = load(text)
    #expect(issues.count == 1, "\(issues)")
    #expect(issues.first?.field == field)
    #expect(issues.first?.rule == rule)
    #expect(issues.first?.file == "models.json")
    #expect(registry["x"] == nil)
    #expect(registry["scripted"] != nil)
}

@Test func fallbackToAnUnknownKeyIsAnError() {
    let (registry, issues) = load(#"{"x": {"provider": "openai", "model": "m", "fallback": ["scripted", "ghost"]}}"#)
    #expect(issues.map(\.field) == ["x.fallback"])
    #expect(issues.map(\.rule) == ["model_key"])
    #expect(registry["x"] != nil)
}

@Test func nullProviderIsReported() {
    let (registry, issues) = load(#"{"x": {"provider": null, "model": "m"}}"#)
    #expect(registry["x"] == nil)
    #expect(issues.map(\.field) == ["x.provider"])
}

@Test func modelOfTheWrongTypeIsReportedOnce() {
    let (registry, issues) = load(#"{"x": {"provider": "anthropic", "model": 3}}"#)
    #expect(registry["x"] == nil)
    #expect(issues.first?.field == "x.model")
    #expect(issues.first?.rule == "type")
    #expect(issues.count == 1, "\(issues)")
}

@Test(arguments: [("", "json"), ("[]", "type")])
func unreadableFileKeepsTheBuiltIns(text: String, rule: String) {
    let (registry, issues) = load(text)
    #expect(issues.map(\.rule) == [rule])
    #expect(registry == ModelRegistry.builtIn)
}

@Test func pricingChargesTokensOrPerCall() {
    let tokens = Pricing(inputPerMillion: 3, outputPerMillion: 15, perCall: 0)
    #expect(tokens.cost(inputTokens: 1_000_000, outputTokens: 0) == 3)
    #expect(tokens.cost(inputTokens: 1_000, outputTokens: 2_000) == 0.033)
    #expect(
        Pricing(inputPerMillion: 0, outputPerMillion: 0, perCall: 0.25).cost(inputTokens: 10, outputTokens: 10) == 0.25)
    #expect(Pricing.free.cost(inputTokens: 1_000, outputTokens: 1_000) == 0)
    #expect(Credits.round(0.1 + 0.2) == 0.3)
}

// Prompt caching (issue 16): cache reads and writes have their own prices.

@Test func cacheReadsAndWritesArePricedApartAndAsInputWhenUnset() {
    // Anthropic's ratios on a $3 model: reads 0.1×, 5-minute writes 1.25×.
    let anthropic = Pricing(
        inputPerMillion: 3, outputPerMillion: 15, perCall: 0, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75)
    let usage = TokenUsage(
        inputTokens: 1_000_000 + 2_000_000 + 4_000_000, outputTokens: 0, cacheReadTokens: 2_000_000,
        cacheWriteTokens: 4_000_000)
    #expect(usage.uncachedInputTokens == 1_000_000)
    #expect(anthropic.cost(usage) == 3 + 0.6 + 15)
    // Unset cache prices: every input token at the input price, as before caching.
    let plain = Pricing(inputPerMillion: 3, outputPerMillion: 15, perCall: 0)
    #expect(plain.cost(usage) == 21)
    #expect(plain.cost(usage) == plain.cost(inputTokens: 7_000_000, outputTokens: 0))
    // Unknown cache counts (nil) are all uncached input.
    #expect(anthropic.cost(TokenUsage(inputTokens: 1_000_000, outputTokens: 1_000_000)) == 18)
}

@Test func theWorstCaseAssumesNoHitAndTheDearestPriceForTheCacheablePrefix() {
    let anthropic = Pricing(
        inputPerMillion: 3, outputPerMillion: 15, perCall: 0, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75)
    // 1M prompt tokens, 600k of them cacheable, 100k output.
    let worst = anthropic.worstCase(inputTokens: 1_000_000, cacheablePrefixTokens: 600_000, outputTokens: 100_000)
    #expect(worst == Credits.round(0.4 * 3 + 0.6 * 3.75 + 0.1 * 15))
    // It bounds every way the call can turn out: all written, all read, none cached.
    for (read, written) in [(0, 600_000), (600_000, 0), (0, 0), (300_000, 300_000)] {
        let usage = TokenUsage(
            inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: read, cacheWriteTokens: written)
        #expect(anthropic.cost(usage) <= worst)
    }
    // OpenAI-like: no write premium, so the worst case is the uncached price.
    let openAI = Pricing(inputPerMillion: 2, outputPerMillion: 8, perCall: 0, cachedInputPerMillion: 0.5)
    #expect(
        openAI.worstCase(inputTokens: 1_000_000, cacheablePrefixTokens: 900_000, outputTokens: 0)
            == openAI.cost(inputTokens: 1_000_000, outputTokens: 0))
    // A prefix longer than the prompt is cut to the prompt.
    #expect(
        anthropic.worstCase(inputTokens: 1_000, cacheablePrefixTokens: 5_000, outputTokens: 0)
            == Credits.round(1_000 * 3.75 / 1_000_000))
}

@Test func cachePricesAndOptionsAreReadAndChecked() {
    let (registry, issues) = load(
        """
        {"claude": {"provider": "anthropic", "model": "claude-sonnet-4-5", "price_in_per_mtok": 3,
                    "price_out_per_mtok": 15, "price_cached_in_per_mtok": 0.3, "price_cache_write_per_mtok": 3.75,
                    "options": {"cache_ttl": "1h"}},
         "gpt": {"provider": "openai", "model": "gpt-4.1", "options": {"prompt_cache_retention": "24h",
                 "prompt_cache_key": "acme"}},
         "bad": {"provider": "anthropic", "model": "m", "price_cached_in_per_mtok": -1,
                 "options": {"cache_ttl": "2h", "prompt_cache_retention": "forever", "keep_alive": [1],
                             "cache_prompt": "yes", "prompt_cache_key": 3, "cached_content_ttl_seconds": 5}}}
        """)
    let claude = registry["claude"]?.pricing
    #expect(claude?.cachedInputPerMillion == 0.3)
    #expect(claude?.cacheWritePerMillion == 3.75)
    #expect(registry["gpt"] != nil)
    #expect(registry["bad"] == nil)
    #expect(
        Set(issues.map(\.field)) == [
            "bad.price_cached_in_per_mtok", "bad.options.cache_ttl", "bad.options.prompt_cache_retention",
            "bad.options.keep_alive", "bad.options.cache_prompt", "bad.options.prompt_cache_key",
            "bad.options.cached_content_ttl_seconds",
        ])
}

/// Without `price_cache_write_per_mtok`, a cache write costs more than input, as providers bill
/// it: 1.25× (Anthropic's 5-minute write, OpenAI's where charged), 2× for Anthropic's 1-hour cache.
@Test func cacheWritesWithoutAPriceCostWhatProvidersBill() {
    let (registry, _) = load(
        """
        {"five": {"provider": "anthropic", "model": "m", "price_in_per_mtok": 3},
         "hour": {"provider": "anthropic", "model": "m", "price_in_per_mtok": 3, "options": {"cache_ttl": "1h"}},
         "gpt": {"provider": "openai", "model": "m", "price_in_per_mtok": 2},
         "free": {"provider": "ollama", "model": "m"}}
        """)
    #expect(registry["five"]?.pricing.cacheWritePerMillion == 3.75)
    #expect(registry["hour"]?.pricing.cacheWritePerMillion == 6)
    #expect(registry["gpt"]?.pricing.cacheWritePerMillion == 2.5)
    #expect(registry["free"]?.pricing.cacheWritePerMillion == nil)
    let written = TokenUsage(inputTokens: 1_000_000, outputTokens: 0, cacheWriteTokens: 1_000_000)
    #expect(registry["five"]?.pricing.cost(written) == 3.75)
}

/// `lemming validate` names bad pacing and concurrency fields, not only the provider when it is made.
@Test func pacingAndConcurrencyFieldsAreCheckedWhenTheRegistryLoads() {
    let (registry, issues) = load(
        """
        {"ok": {"provider": "openai", "model": "m", "rpm": 20, "tpm": 40000, "max_concurrent_requests": 4},
         "bad": {"provider": "openai", "model": "m", "rpm": 0, "tpm": 1.5, "max_concurrent_requests": 5000}}
        """)
    #expect(registry["ok"] != nil)
    #expect(registry["bad"] == nil)
    #expect(Set(issues.map(\.field)) == ["bad.rpm", "bad.tpm", "bad.max_concurrent_requests"])
    for value: JSONValue in [0, 4097, "8", 2.5] {
        let bytes = JSONWriter(style: .compact).bytes(
            ["m": ["provider": "openai", "model": "x", "max_concurrent_requests": value]])
        let (_, found) = ModelRegistry.load(bytes)
        #expect(found.filter(\.isError).map(\.field) == ["m.max_concurrent_requests"], "\(value)")
    }
}
