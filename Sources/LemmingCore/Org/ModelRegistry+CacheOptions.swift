import LemmingJSON

extension ModelRegistry {
    /// The `options` of an entry that steer the provider's prompt cache, with their accepted values
    /// (README "Prompt caching"):
    ///
    /// - `cache_control` (Anthropic; true or false, default true): mark the stable prefixes with
    ///   `cache_control` breakpoints.
    /// - `cache_ttl` (Anthropic; `"5m"` or `"1h"`, default unset = Anthropic's 5 minutes).
    /// - `prompt_cache_key` (OpenAI and OpenAI-compatible; true, false or a string): send a stable
    ///   `prompt_cache_key` per agent (a string is its prefix); default true for `openai`, false for
    ///   `openai_compatible`.
    /// - `prompt_cache_retention` (OpenAI; `"in_memory"` or `"24h"`, default unset).
    /// - `cache_prompt` (OpenAI-compatible, llama.cpp's server; true or false, default unset): send
    ///   `cache_prompt`.
    /// - `keep_alive` (Ollama; a duration string such as `"30m"` or a number of seconds, `null`
    ///   to leave it to the server; default `"30m"`).
    /// - `cached_content` (Gemini; true or false, default false): explicit cached contents for the
    ///   stable prefix; `cached_content_ttl_seconds` (60 to 86,400, default 3,600) and
    ///   `cached_content_min_tokens` (default 4,096): the smallest prefix worth a cache.
    static func validateCacheOptions(_ options: JSONObject, key: String, issues: inout IssueCollector) {
        let prefix = "\(key).options"
        _ = issues.boolean(options, "cache_control", prefix: prefix, default: true)
        _ = issues.boolean(options, "cache_prompt", prefix: prefix, default: false)
        _ = issues.boolean(options, "cached_content", prefix: prefix, default: false)
        oneOf(options, "cache_ttl", ["5m", "1h"], prefix: prefix, issues: &issues)
        oneOf(options, "prompt_cache_retention", ["in_memory", "24h"], prefix: prefix, issues: &issues)
        if let value = options["prompt_cache_key"], !value.isNull {
            if let text = value.stringValue {
                if text.isEmpty || text.utf8.count > 32 {
                    issues.error("\(prefix).prompt_cache_key", "range", "must be 1 to 32 bytes (or true or false)")
                }
            } else if value.boolValue == nil {
                issues.error(
                    "\(prefix).prompt_cache_key", "type",
                    "must be true, false or a string prefix (got \(value.typeDescription))")
            }
        }
        if let value = options["keep_alive"], !value.isNull, value.stringValue == nil, value.doubleValue == nil {
            issues.error(
                "\(prefix).keep_alive", "type",
                "must be a duration such as \"30m\" or a number of seconds (got \(value.typeDescription))")
        }
        _ = issues.optionalInteger(options, "cached_content_ttl_seconds", prefix: prefix, in: 60...86_400)
        _ = issues.optionalInteger(options, "cached_content_min_tokens", prefix: prefix, in: 0...Int.max)
    }

    private static func oneOf(
        _ options: JSONObject, _ name: String, _ values: [String], prefix: String, issues: inout IssueCollector
    ) {
        guard let text = issues.optionalString(options, name, prefix: prefix) else { return }
        if !values.contains(text) {
            let allowed = values.map { "\"\($0)\"" }.joined(separator: " or ")
            issues.error("\(prefix).\(name)", "enum", "must be \(allowed) (got \"\(text)\")")
        }
    }
}
