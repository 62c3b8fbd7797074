import LemmingCore
import LemmingJSON

/// Anthropic Messages (`POST {base}/v1/messages`, `anthropic-version: 2023-06-01`).
///
/// System messages go to the top-level `system` field. Structured output is tool-forced: one tool,
/// `reply`, whose input schema is the reply schema, with `tool_choice` naming it; the tool call's
/// input is the reply.
///
/// Prompt caching: the request's ``ChatRequest/cacheBreakpoints`` become `cache_control`
/// breakpoints (`{"type": "ephemeral"}`, with `"ttl"` from `options.cache_ttl`): `system` is then
/// an array of text blocks and a user message's `content` an array of text blocks, cut at the
/// breakpoints, each block that ends at one marked — at most the last 4, Anthropic's limit. The
/// blocks' texts put together are the messages' texts. `options.cache_control: false` sends plain
/// strings. Usage: `input_tokens` counts only the input after the last cache hit or write, so the
/// decoded ``TokenUsage/inputTokens`` adds `cache_read_input_tokens` and
/// `cache_creation_input_tokens` to it (Messages API, "Prompt caching", usage fields).
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
        let marks = settings.promptCache.marksBreakpoints ? Self.marked(request) : []
        let control = Self.cacheControl(settings.promptCache)
        var system: [(text: String, marked: Bool)] = []
        var messages: [JSONValue] = []
        for (index, message) in request.messages.enumerated() {
            let pieces = request.pieces(ofMessage: index).map { piece in
                (text: piece.text, marked: piece.breakpoint.map { marks.contains($0) } ?? false)
            }
            if message.role == .system {
                if !system.isEmpty, let last = system.indices.last { system[last].text += "\n\n" }
                system += pieces
                continue
            }
            let role: JSONValue = message.role == .assistant ? "assistant" : "user"
            if pieces.contains(where: \.marked) {
                messages.append(["role": role, "content": .array(pieces.map { Self.block($0, control: control) })])
            } else {
                messages.append(["role": role, "content": .string(message.content)])
            }
        }
        if system.contains(where: \.marked) {
            body["system"] = .array(system.map { Self.block($0, control: control) })
        } else {
            let text = system.map(\.text).joined()
            if !text.isEmpty { body["system"] = .string(text) }
        }
        body["messages"] = .array(messages)
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

    /// Anthropic's limit of `cache_control` breakpoints in one request.
    static let maxBreakpoints = 4

    /// The breakpoints to mark: the last four, since a later one covers everything before it.
    static func marked(_ request: ChatRequest) -> [PromptBreakpoint] {
        Array(request.cacheBreakpoints.suffix(maxBreakpoints))
    }

    /// `{"type": "ephemeral"}`, with the `ttl` of `options.cache_ttl`.
    static func cacheControl(_ options: PromptCacheOptions) -> JSONValue {
        var control: JSONObject = ["type": "ephemeral"]
        if let ttl = options.anthropicTTL { control["ttl"] = .string(ttl) }
        return .object(control)
    }

    /// A text block, with `cache_control` when it ends at a marked breakpoint.
    static func block(_ piece: (text: String, marked: Bool), control: JSONValue) -> JSONValue {
        var block: JSONObject = ["type": "text", "text": .string(piece.text)]
        if piece.marked { block["cache_control"] = control }
        return .object(block)
    }

    /// The `content` blocks: the forced `reply` tool's input is the answer when there is one (text
    /// written before it is not), else the `text` blocks; `thinking` blocks are the reasoning.
    public func parse(_ body: JSONValue) throws -> ChatResponse {
        guard let blocks = body["content"]?.arrayValue else {
            throw ProviderError(.invalidResponse, "Anthropic answered without content")
        }
        var reply = Reply()
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": reply.text += block["text"]?.stringValue ?? ""
            case "tool_use" where reply.toolInput == nil:
                reply.toolInput = (block["input"] ?? .object([:])).compactText
            case "thinking": reply.reasoning += block["thinking"]?.stringValue ?? ""
            default: break
            }
        }
        return reply.response(usage: Self.usage(body["usage"]), stopReason: body["stop_reason"]?.stringValue)
    }

    /// The parts of a reply as they are collected.
    struct Reply: Sendable {
        var text = ""
        var toolInput: String?
        var reasoning = ""

        func response(usage: TokenUsage?, stopReason: String?) -> ChatResponse {
            let (visible, tagged) = ThinkTags.split(text)
            return ChatResponse(
                text: toolInput ?? visible, usage: usage, finishReason: stopReason,
                finish: AnthropicFormat.finish(stopReason), reasoning: ThinkTags.joined(reasoning, tagged))
        }
    }

    /// `stop_reason` in the engine's terms: `max_tokens` and `model_context_window_exceeded` cut the
    /// reply off, and so does `pause_turn` (a server tool's long turn, paused: the answer is not
    /// there yet); `refusal` is a refusal; `end_turn`, `stop_sequence`, `tool_use` and anything else
    /// are complete.
    static func finish(_ reason: String?) -> ChatResponse.Finish {
        switch reason {
        case "max_tokens", "model_context_window_exceeded", "pause_turn": return .truncated
        case "refusal": return .refused
        default: return .complete
        }
    }

    /// `usage`: `input_tokens` (after the last cache breakpoint hit or written),
    /// `cache_read_input_tokens` and `cache_creation_input_tokens` (either may be absent or null:
    /// unknown), `output_tokens`; the input is the three added up.
    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, let input = value["input_tokens"]?.intValue else { return nil }
        return usage(
            input: input, read: value["cache_read_input_tokens"]?.intValue,
            written: value["cache_creation_input_tokens"]?.intValue, output: value["output_tokens"]?.intValue ?? 0)
    }

    static func usage(input: Int, read: Int?, written: Int?, output: Int) -> TokenUsage {
        TokenUsage(
            inputTokens: input + (read ?? 0) + (written ?? 0), outputTokens: output, cacheReadTokens: read,
            cacheWriteTokens: written)
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder() }

    /// `message_start`, `content_block_start` (the block's type), `content_block_delta` (text, the
    /// tool input's JSON, or thinking), `message_delta` (output tokens, stop reason),
    /// `message_stop`. The text pieces are the text and tool-input deltas.
    struct Decoder: StreamDecoder {
        var events = ServerSentEvents()
        var reply = Reply()
        var inputTokens: Int?
        var cacheReadTokens: Int?
        var cacheWriteTokens: Int?
        var outputTokens = 0
        var stopReason: String?
        var stopped = false

        var reportedUsage: TokenUsage? {
            inputTokens.map {
                AnthropicFormat.usage(input: $0, read: cacheReadTokens, written: cacheWriteTokens, output: outputTokens)
            }
        }

        /// Takes the counts a `usage` object has; they are cumulative, so the last value of each
        /// wins (`message_start` has the input's, `message_delta` the output's and, on newer API
        /// versions, the input's again). `message_start`'s `output_tokens` is a placeholder, not
        /// taken.
        mutating func take(_ usage: JSONValue?, output: Bool = true) {
            guard let usage else { return }
            if let tokens = usage["input_tokens"]?.intValue { inputTokens = tokens }
            if let tokens = usage["cache_read_input_tokens"]?.intValue { cacheReadTokens = tokens }
            if let tokens = usage["cache_creation_input_tokens"]?.intValue { cacheWriteTokens = tokens }
            if output, let tokens = usage["output_tokens"]?.intValue { outputTokens = tokens }
        }

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try events.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ event: ServerSentEvents.Event) throws -> String? {
            guard let data = try? JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, "Anthropic streamed an event that is not JSON")
            }
            switch data["type"]?.stringValue ?? event.name {
            case "message_start":
                take(data["message"]?["usage"], output: false)
            case "content_block_start":
                if data["content_block"]?["type"]?.stringValue == "tool_use", reply.toolInput == nil {
                    reply.toolInput = ""
                }
            case "content_block_delta":
                let delta = data["delta"] ?? .null
                switch delta["type"]?.stringValue {
                case "thinking_delta":
                    reply.reasoning += delta["thinking"]?.stringValue ?? ""
                case "input_json_delta":
                    guard let piece = delta["partial_json"]?.stringValue else { return nil }
                    reply.toolInput = (reply.toolInput ?? "") + piece
                    return piece
                default:
                    guard let piece = delta["text"]?.stringValue else { return nil }
                    reply.text += piece
                    return piece
                }
            case "message_delta":
                take(data["usage"])
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
                throw ProviderError(
                    .http, "Anthropic reported an error mid-stream: \(message)", usage: reportedUsage,
                    httpStatus: status)
            default:
                break
            }
            return nil
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            guard stopped else {
                throw ProviderError(
                    .invalidResponse, "Anthropic's stream ended before message_stop", usage: reportedUsage)
            }
            return reply.response(usage: reportedUsage, stopReason: stopReason)
        }
    }
}
