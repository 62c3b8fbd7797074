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
public struct OpenAIFormat: WireFormat {
    public var name: String

    public init(name: String = "OpenAI") {
        self.name = name
    }

    func isAzure(_ settings: HTTPSettings) -> Bool {
        settings.baseURL.contains(".openai.azure.com") || settings.options["api_version"] != nil
    }

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        var url = settings.baseURL + "/chat/completions"
        if isAzure(settings) {
            url += "?api-version=" + (settings.options["api_version"]?.stringValue ?? "2024-10-21")
        }
        return url
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
        if streaming {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        return .object(body)
    }

    public func parse(_ body: JSONValue) throws -> ChatResponse {
        guard let choice = body["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw ProviderError(.invalidResponse, "\(name) answered without choices[0].message")
        }
        let text = message["content"]?.stringValue ?? message["refusal"]?.stringValue ?? ""
        return ChatResponse(
            text: text, usage: Self.usage(body["usage"]), finishReason: choice["finish_reason"]?.stringValue)
    }

    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, let input = value["prompt_tokens"]?.intValue else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: value["completion_tokens"]?.intValue ?? 0)
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder(name: name) }

    /// `data: {chunk}` events, then an optional usage chunk, then `data: [DONE]`.
    struct Decoder: StreamDecoder {
        let name: String
        var events = ServerSentEvents()
        var text = ""
        var usage: TokenUsage?
        var finishReason: String?
        var done = false

        init(name: String) {
            self.name = name
        }

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
                throw ProviderError(.http, "\(name) reported an error mid-stream: \(message)")
            }
            if let reported = OpenAIFormat.usage(chunk["usage"]) { usage = reported }
            guard let choice = chunk["choices"]?.arrayValue?.first else { return nil }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            guard let piece = choice["delta"]?["content"]?.stringValue else { return nil }
            text += piece
            return piece
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            guard done || finishReason != nil else {
                throw ProviderError(
                    .invalidResponse, "\(name)'s stream ended before the reply was complete", usage: usage)
            }
            return ChatResponse(text: text, usage: usage, finishReason: finishReason)
        }
    }
}
