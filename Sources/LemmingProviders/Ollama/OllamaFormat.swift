import LemmingCore
import LemmingJSON

/// Ollama `POST {base}/api/chat`: temperature and the token limit (`num_predict`) in `options`,
/// the reply schema in `format`, NDJSON when streaming.
///
/// Prompt caching: Ollama reuses a loaded model's cache for a prompt's common prefix by itself;
/// unloading the model loses it, so each request sends `keep_alive` (`options.keep_alive`, default
/// `"30m"`, `null` to leave it to the server's `OLLAMA_KEEP_ALIVE`). Ollama reports no cached
/// tokens: the cache counts stay unknown (`nil`); a `prompt_eval_cached_count` proposed for a later
/// version (ollama PR #16138) is not read until its meaning is released.
public struct OllamaFormat: WireFormat {
    public let name = "Ollama"

    public init() {}

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        settings.baseURL + "/api/chat"
    }

    public func headers(settings: HTTPSettings) -> [(String, String)] {
        settings.apiKey.map { [("Authorization", "Bearer " + $0)] } ?? []
    }

    public var supportsJSONMode: Bool { true }

    public func body(
        for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool
    ) -> JSONValue {
        var options: JSONObject = ["temperature": .double(request.temperature), "num_predict": .int(request.maxTokens)]
        for (key, value) in settings.options
        where !["structured_output", "stream"].contains(key) && !PromptCacheOptions.names.contains(key) {
            options[key] = value
        }
        var body: JSONObject = [
            "model": .string(settings.model), "messages": .array(request.messages.map(\.json)),
            "stream": .bool(streaming), "options": .object(options),
        ]
        if let keepAlive = settings.promptCache.keepAlive { body["keep_alive"] = keepAlive }
        switch (output, request.responseSchema) {
        case (.schema, let schema?): body["format"] = schema
        case (.jsonMode, _), (.schema, nil): body["format"] = "json"
        case (.plain, _): break
        }
        return .object(body)
    }

    /// `message.content` is the answer (missing or empty: an empty answer), `message.thinking` the
    /// reasoning of a thinking model; `done_reason` says how it ended.
    public func parse(_ body: JSONValue) throws -> ChatResponse {
        if let message = body["error"]?.stringValue { throw ProviderError(.invalidResponse, "Ollama: \(message)") }
        guard let message = body["message"], message.objectValue != nil else {
            throw ProviderError(.invalidResponse, "Ollama answered without a message")
        }
        return Self.response(
            content: message["content"]?.stringValue ?? "", thinking: message["thinking"]?.stringValue, final: body)
    }

    static func response(content: String, thinking: String?, final: JSONValue) -> ChatResponse {
        let (text, tagged) = ThinkTags.split(content)
        let reason = final["done_reason"]?.stringValue
        return ChatResponse(
            text: text, usage: usage(final), finishReason: reason, finish: finish(reason),
            reasoning: ThinkTags.joined(thinking, tagged))
    }

    /// `done_reason` in the engine's terms: `length` (`num_predict` reached) cuts the reply off;
    /// `stop`, `load`, `unload` and anything else are complete. Ollama has no refusal signal.
    static func finish(_ reason: String?) -> ChatResponse.Finish {
        reason == "length" ? .truncated : .complete
    }

    static func usage(_ body: JSONValue) -> TokenUsage? {
        guard let input = body["prompt_eval_count"]?.intValue else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: body["eval_count"]?.intValue ?? 0)
    }

    public func errorMessage(in body: JSONValue) -> String? { body["error"]?.stringValue }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder() }

    /// One JSON object per line; the last has `"done": true` and the token counts. The text pieces
    /// are `message.content`; `message.thinking` is kept apart.
    struct Decoder: StreamDecoder {
        var lines = LineSplitter()
        var text = ""
        var thinking = ""
        var final: JSONValue?

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try lines.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ line: String) throws -> String? {
            guard !line.trimmingWhitespace().isEmpty else { return nil }
            guard let chunk = try? JSONValue.parse(line) else {
                throw ProviderError(.invalidResponse, "Ollama streamed a line that is not JSON")
            }
            if let message = chunk["error"]?.stringValue {
                throw ProviderError(.invalidResponse, "Ollama reported an error mid-stream: \(message)")
            }
            if chunk["done"]?.boolValue == true { final = chunk }
            if let piece = chunk["message"]?["thinking"]?.stringValue { thinking += piece }
            guard let piece = chunk["message"]?["content"]?.stringValue, !piece.isEmpty else { return nil }
            text += piece
            return piece
        }

        mutating func finish() throws -> ChatResponse {
            let rest = lines.remainder
            if !rest.isEmpty { _ = try handle(rest) }
            guard let final else {
                throw ProviderError(.invalidResponse, "Ollama's stream ended before done")
            }
            return OllamaFormat.response(content: text, thinking: thinking, final: final)
        }
    }
}
