import LemmingCore
import LemmingJSON

/// Anthropic Messages (`POST {base}/v1/messages`, `anthropic-version: 2023-06-01`).
///
/// System messages go to the top-level `system` field. Structured output is tool-forced: one tool,
/// `reply`, whose input schema is the reply schema, with `tool_choice` naming it; the tool call's
/// input is the reply.
public struct AnthropicFormat: WireFormat {
    public let name = "Anthropic"
    static let toolName = "reply"

    public init() {}

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        settings.baseURL + "/v1/messages"
    }

    public func headers(settings: HTTPSettings) -> [(String, String)] {
        var headers = [("anthropic-version", settings.options["anthropic_version"]?.stringValue ?? "2023-06-01")]
        if let key = settings.apiKey { headers.append(("x-api-key", key)) }
        return headers
    }

    /// Anthropic has no JSON mode: anything but `.schema` is a plain call.
    public func body(
        for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool
    ) -> JSONValue {
        var body = JSONObject()
        body["model"] = .string(settings.model)
        body["max_tokens"] = .int(request.maxTokens)
        body["temperature"] = .double(min(request.temperature, 1))
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["system"] = .string(system) }
        body["messages"] = .array(
            request.messages.filter { $0.role != .system }.map {
                ["role": .string($0.role == .assistant ? "assistant" : "user"), "content": .string($0.content)]
            })
        if output == .schema, let schema = request.responseSchema {
            body["tools"] = [
                [
                    "name": .string(Self.toolName), "description": "Your answer for this turn, as the reply object.",
                    "input_schema": schema,
                ]
            ]
            body["tool_choice"] = ["type": "tool", "name": .string(Self.toolName)]
        }
        if streaming { body["stream"] = true }
        return .object(body)
    }

    public func parse(_ body: JSONValue) throws -> ChatResponse {
        guard let blocks = body["content"]?.arrayValue else {
            throw ProviderError(.invalidResponse, "Anthropic answered without content")
        }
        var text = ""
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use": text += (block["input"] ?? .object(JSONObject())).compactText
            default: break
            }
        }
        return ChatResponse(
            text: text, usage: Self.usage(body["usage"]), finishReason: body["stop_reason"]?.stringValue)
    }

    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, let input = value["input_tokens"]?.intValue else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: value["output_tokens"]?.intValue ?? 0)
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder() }

    /// `message_start`, `content_block_delta` (text or the tool input's JSON), `message_delta`
    /// (output tokens, stop reason), `message_stop`.
    struct Decoder: StreamDecoder {
        var events = ServerSentEvents()
        var text = ""
        var inputTokens: Int?
        var outputTokens = 0
        var stopReason: String?
        var stopped = false

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try events.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ event: ServerSentEvents.Event) throws -> String? {
            guard let data = try? JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, "Anthropic streamed an event that is not JSON")
            }
            switch data["type"]?.stringValue ?? event.name {
            case "message_start":
                inputTokens = data["message"]?["usage"]?["input_tokens"]?.intValue
            case "content_block_delta":
                let delta = data["delta"]
                let piece = delta?["text"]?.stringValue ?? delta?["partial_json"]?.stringValue
                if let piece { text += piece }
                return piece
            case "message_delta":
                if let tokens = data["usage"]?["output_tokens"]?.intValue { outputTokens = tokens }
                if let reason = data["delta"]?["stop_reason"]?.stringValue { stopReason = reason }
            case "message_stop":
                stopped = true
            case "error":
                let message = data["error"]?["message"]?.stringValue ?? "unknown error"
                // Overload and server errors are worth a retry; a rejected request is not.
                let status: Int
                switch data["error"]?["type"]?.stringValue {
                case "overloaded_error": status = 529
                case "api_error", nil: status = 500
                case "rate_limit_error": status = 429
                default: status = 400
                }
                throw ProviderError(.http, "Anthropic reported an error mid-stream: \(message)", httpStatus: status)
            default:
                break
            }
            return nil
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            let usage = inputTokens.map { TokenUsage(inputTokens: $0, outputTokens: outputTokens) }
            guard stopped else {
                throw ProviderError(.invalidResponse, "Anthropic's stream ended before message_stop", usage: usage)
            }
            return ChatResponse(text: text, usage: usage, finishReason: stopReason)
        }
    }
}
