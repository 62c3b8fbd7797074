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
    #expect(gpt.pricing == Pricing(inputPerMillion: 2.5, outputPerMillion: 10, perCall: 0))
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
