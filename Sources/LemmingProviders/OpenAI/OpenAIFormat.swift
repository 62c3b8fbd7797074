import Foundation
import LemmingCore
import LemmingJSON

/// OpenAI Chat Completions (`POST {base}/chat/completions`), also Azure OpenAI and any
/// OpenAI-compatible server (vLLM, llama.cpp, LM Studio).
///
/// Structured output: `response_format` with the reply's JSON Schema. Azure is recognised by a
/// `*.openai.azure.com` base URL or an `api_version` option: the key goes in `api-key` and the
/// version in the query. `options.max_completion_tokens: true` sends that field instead of
/// `max_tokens` (newer OpenAI models require it).
///
/// Prompt caching is automatic on OpenAI's side (exact prefix match, from 1,024 tokens): the
/// request carries a `prompt_cache_key` per agent (the same on every turn, so an agent's calls
/// reach the machines that hold its prefix; OpenAI "Prompt caching" guide) and, when configured,
/// `prompt_cache_retention`. An `openai_compatible` server gets a key only when
/// `options.prompt_cache_key` asks, and llama.cpp's `cache_prompt` only with
/// `options.cache_prompt`. Usage: `prompt_tokens_details.cached_tokens` (and, on models that
/// charge cache writes, `cache_write_tokens`) are parts of `prompt_tokens`; llama.cpp's server
/// reports reused tokens as `timings.cache_n` when it sends no details.
public struct OpenAIFormat: WireFormat {
    public var name: String

    public init(name: String = "OpenAI") {
        self.name = name
    }

    /// The format of a `models.json` provider, `openai` or `openai_compatible` (called
    /// "OpenAI-compatible server" in messages).
    public init(provider: String) {
        self.init(name: provider == "openai" ? "OpenAI" : "OpenAI-compatible server")
    }

    func isAzure(_ settings: HTTPSettings) -> Bool {
        settings.baseURL.contains(".openai.azure.com") || settings.options["api_version"] != nil
    }

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        url(of: "/chat/completions", settings: settings)
    }

    /// The URL of an operation (`/chat/completions`), with Azure's `api-version`.
    func url(of path: String, settings: HTTPSettings) -> String {
        guard isAzure(settings) else { return settings.baseURL + path }
        return settings.baseURL + path + "?api-version="
            + (settings.options["api_version"]?.stringValue ?? "2024-10-21")
    }

    public func headers(settings: HTTPSettings) -> [(String, String)] {
        guard let key = settings.apiKey else { return [] }
        return isAzure(settings) ? [("api-key", key)] : [("Authorization", "Bearer " + key)]
    }

    public var supportsJSONMode: Bool { true }

    public func body(
        for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool
    ) -> JSONValue {
        var body = JSONObject()
        body["model"] = .string(settings.model)
        body["messages"] = .array(request.messages.map(\.json))
        body["temperature"] = .double(request.temperature)
        let tokensField =
            settings.options["max_completion_tokens"]?.boolValue == true ? "max_completion_tokens" : "max_tokens"
        body[tokensField] = .int(request.maxTokens)
        switch (output, request.responseSchema) {
        case (.schema, let schema?):
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": ["name": "lemming_reply", "schema": schema, "strict": false],
            ]
        case (.jsonMode, _), (.schema, nil):
            body["response_format"] = ["type": "json_object"]
        case (.plain, _):
            break
        }
        let cache = settings.promptCache
        if let key = cache.cacheKey(agent: request.agent) { body["prompt_cache_key"] = .string(key) }
        if let retention = cache.retention { body["prompt_cache_retention"] = .string(retention) }
        if cache.cachePrompt { body["cache_prompt"] = true }
        if streaming {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        return .object(body)
    }

    /// `choices[0].message`: `content` is the answer (null or empty: an empty answer); reasoning
    /// models behind compatible servers put their reasoning in `reasoning_content` (vLLM before
    /// 0.10, llama.cpp, DeepSeek) or `reasoning` (vLLM, OpenRouter, Ollama), or inside `<think>`
    /// tags in the content; a `refusal` (structured outputs) is a refused answer.
    public func parse(_ body: JSONValue) throws -> ChatResponse {
        guard let choice = body["choices"]?.arrayValue?.first, choice.objectValue != nil else {
            throw ProviderError(.invalidResponse, "\(name) answered without choices[0]")
        }
        let message = choice["message"] ?? .null
        let (text, tagged) = ThinkTags.split(Self.content(message["content"]))
        return Self.response(
            text: text, reasoning: ThinkTags.joined(Self.reasoning(in: message), tagged),
            refusal: message["refusal"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue,
            usage: Self.usage(body["usage"], timings: body["timings"]))
    }

    /// The content as a string, or the text parts of a content array (some compatible servers).
    static func content(_ value: JSONValue?) -> String {
        if let text = value?.stringValue { return text }
        return (value?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }

    /// The reasoning a compatible server sent beside the content, under either of its names.
    static func reasoning(in message: JSONValue) -> String? {
        message["reasoning_content"]?.stringValue ?? message["reasoning"]?.stringValue
    }

    static func response(
        text: String, reasoning: String?, refusal: String?, finishReason: String?, usage: TokenUsage?
    ) -> ChatResponse {
        let refusal = refusal.flatMap { $0.isEmpty ? nil : $0 }
        return ChatResponse(
            text: text, usage: usage, finishReason: finishReason,
            finish: refusal != nil ? .refused : finish(finishReason), reasoning: reasoning, refusal: refusal)
    }

    /// `finish_reason` in the engine's terms: `length` is cut off, `content_filter` withheld;
    /// `stop`, `tool_calls`, `function_call` and anything else are complete.
    static func finish(_ reason: String?) -> ChatResponse.Finish {
        switch reason {
        case "length": return .truncated
        case "content_filter": return .refused
        default: return .complete
        }
    }

    /// `usage.prompt_tokens` (every input token), `completion_tokens`, and the cached part:
    /// `prompt_tokens_details.cached_tokens`, else llama.cpp's `timings.cache_n`; cache writes from
    /// `prompt_tokens_details.cache_write_tokens`. An absent count is unknown (`nil`), not 0.
    static func usage(_ value: JSONValue?, timings: JSONValue? = nil) -> TokenUsage? {
        guard let value, let input = value["prompt_tokens"]?.intValue else { return nil }
        let details = value["prompt_tokens_details"]
        return TokenUsage(
            inputTokens: input, outputTokens: value["completion_tokens"]?.intValue ?? 0,
            cacheReadTokens: details?["cached_tokens"]?.intValue ?? timings?["cache_n"]?.intValue,
            cacheWriteTokens: details?["cache_write_tokens"]?.intValue)
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder(name: name) }

    /// `data: {chunk}` events, then an optional usage chunk, then `data: [DONE]`. The text pieces
    /// are `delta.content`; `delta.reasoning_content`, `delta.reasoning` and `delta.refusal` are
    /// kept apart.
    struct Decoder: StreamDecoder {
        let name: String
        var events = ServerSentEvents()
        var text = ""
        var reasoning = ""
        var refusal = ""
        var usage: TokenUsage?
        var finishReason: String?
        var done = false

        init(name: String) {
            self.name = name
        }

        var reportedUsage: TokenUsage? { usage }

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try events.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ event: ServerSentEvents.Event) throws -> String? {
            if event.data == "[DONE]" {
                done = true
                return nil
            }
            guard let chunk = try? JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, "\(name) streamed a chunk that is not JSON")
            }
            if let message = chunk["error"]?["message"]?.stringValue {
                throw ProviderError(.http, "\(name) reported an error mid-stream: \(message)", usage: usage)
            }
            if let reported = OpenAIFormat.usage(chunk["usage"], timings: chunk["timings"]) { usage = reported }
            guard let choice = chunk["choices"]?.arrayValue?.first else { return nil }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            let delta = choice["delta"] ?? .null
            if let piece = OpenAIFormat.reasoning(in: delta) { reasoning += piece }
            if let piece = delta["refusal"]?.stringValue { refusal += piece }
            guard let piece = delta["content"]?.stringValue, !piece.isEmpty else { return nil }
            text += piece
            return piece
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            guard done || finishReason != nil else {
                throw ProviderError(
                    .invalidResponse, "\(name)'s stream ended before the reply was complete", usage: usage)
            }
            let (visible, tagged) = ThinkTags.split(text)
            return OpenAIFormat.response(
                text: visible, reasoning: ThinkTags.joined(reasoning, tagged), refusal: refusal,
                finishReason: finishReason, usage: usage)
        }
    }
}
