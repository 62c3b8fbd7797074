import LemmingCore
import LemmingJSON

/// Google Gemini `generateContent` (`POST {base}/v1beta/models/{model}:generateContent`, the key
/// in `x-goog-api-key`, never in the URL); streaming through `:streamGenerateContent?alt=sse`.
///
/// Structured output: `responseMimeType: application/json` with a `responseSchema` in Gemini's
/// OpenAPI dialect, which cannot express free-form objects: there, payloads carry `text` and
/// memory values are strings.
///
/// Prompt caching: Gemini caches common prefixes implicitly (2.5 models and newer); the stable
/// system instruction comes first and the user message's stable start next, so an agent's
/// requests share their longest prefix. Usage: `cachedContentTokenCount` is a part of
/// `promptTokenCount` (Gemini API "Context caching", `usageMetadata`). With
/// `options.cached_content`, the stable prefix goes into an explicit cache instead
/// (``GeminiContextCache``).
public struct GeminiFormat: WireFormat {
    public let name = "Gemini"
    /// The explicit caches of the stable prefixes, `nil`: implicit caching only.
    let contextCache: GeminiContextCache?

    public init() {
        contextCache = nil
    }

    init(contextCache: GeminiContextCache?) {
        self.contextCache = contextCache
    }

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        settings.baseURL + "/v1beta/" + Self.resourceName(settings.model)
            + (streaming ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    /// A model's resource name: `models/{model}`.
    static func resourceName(_ model: String) -> String {
        model.hasPrefix("models/") ? model : "models/" + model
    }

    public func headers(settings: HTTPSettings) -> [(String, String)] {
        settings.apiKey.map { [("x-goog-api-key", $0)] } ?? []
    }

    public var supportsJSONMode: Bool { true }

    public func body(
        for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool
    ) -> JSONValue {
        var body = JSONObject()
        var messages = request.messages
        if let cache = contextCache, let prefix = cache.prefix(of: request, model: settings.model),
            let entry = cache.stored(prefix)
        {
            // The cache holds the system instruction and the stable text: neither is sent again.
            body["cachedContent"] = .string(entry.name)
            let rest = Array(messages[prefix.message].content.utf8).dropFirst(prefix.offset)
            messages[prefix.message].content = String(decoding: rest, as: UTF8.self)
            messages.removeSubrange(..<prefix.message)
        }
        let system = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        body["contents"] = .array(
            messages.filter { $0.role != .system }.map {
                ["role": .string($0.role == .assistant ? "model" : "user"), "parts": [["text": .string($0.content)]]]
            })
        var generation: JSONObject = [
            "temperature": .double(request.temperature), "maxOutputTokens": .int(request.maxTokens),
        ]
        if output < .plain { generation["responseMimeType"] = "application/json" }
        if output == .schema, request.responseSchema != nil { generation["responseSchema"] = Self.replySchema }
        body["generationConfig"] = .object(generation)
        return .object(body)
    }

    /// `candidates[0]`: its parts are the answer, except thought parts (`"thought": true`), which
    /// are the reasoning. A prompt the API blocked has no candidates and a
    /// `promptFeedback.blockReason`: a refused answer, charged for the prompt's tokens.
    public func parse(_ body: JSONValue) throws -> ChatResponse {
        var reply = Reply()
        guard reply.add(body) != nil else {
            throw ProviderError(.invalidResponse, "Gemini answered without candidates")
        }
        return reply.response()
    }

    /// The parts of a reply as they are collected from one body, or from a stream's chunks.
    struct Reply: Sendable {
        var text = ""
        var reasoning = ""
        var usage: TokenUsage?
        var finishReason: String?
        var finishMessage: String?
        var blockReason: String?

        /// Adds a response body or stream chunk; returns the visible text it adds, or `nil` when it
        /// is no answer at all (no candidate, no block reason, no usage).
        mutating func add(_ chunk: JSONValue) -> String? {
            if let reported = GeminiFormat.usage(chunk["usageMetadata"]) { usage = reported }
            if let reason = chunk["promptFeedback"]?["blockReason"]?.stringValue {
                blockReason = reason
                finishMessage = chunk["promptFeedback"]?["blockReasonMessage"]?.stringValue ?? finishMessage
            }
            guard let candidate = chunk["candidates"]?.arrayValue?.first else {
                return blockReason != nil || chunk["usageMetadata"] != nil ? "" : nil
            }
            if let reason = candidate["finishReason"]?.stringValue { finishReason = reason }
            if let message = candidate["finishMessage"]?.stringValue { finishMessage = message }
            var visible = ""
            for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
                guard let piece = part["text"]?.stringValue else { continue }
                if part["thought"]?.boolValue == true { reasoning += piece } else { visible += piece }
            }
            text += visible
            return visible
        }

        /// Whether the reply has ended: a finish reason, or a blocked prompt.
        var isFinished: Bool { finishReason != nil || blockReason != nil }

        func response() -> ChatResponse {
            let (visible, tagged) = ThinkTags.split(text)
            let reason = blockReason ?? finishReason
            let finish = blockReason != nil ? .refused : GeminiFormat.finish(finishReason)
            var refusal: String?
            if finish == .refused {
                let what = blockReason != nil ? "blocked the prompt" : "stopped the reply"
                refusal = "Gemini \(what) (\(reason ?? "unspecified"))" + (finishMessage.map { ": \($0)" } ?? "")
            }
            return ChatResponse(
                text: visible, usage: usage, finishReason: reason, finish: finish,
                reasoning: ThinkTags.joined(reasoning, tagged), refusal: refusal)
        }
    }

    /// `finishReason` in the engine's terms: `MAX_TOKENS` cuts the reply off; `SAFETY`,
    /// `RECITATION`, `LANGUAGE`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `MODEL_ARMOR` and the
    /// `IMAGE_*` filters withhold it; `STOP` and anything else (`OTHER`,
    /// `MALFORMED_FUNCTION_CALL`, …) are complete.
    static func finish(_ reason: String?) -> ChatResponse.Finish {
        switch reason {
        case "MAX_TOKENS":
            return .truncated
        case "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "MODEL_ARMOR",
            "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
            return .refused
        default:
            return .complete
        }
    }

    /// `usageMetadata`: `promptTokenCount` (cached tokens included), `cachedContentTokenCount`
    /// (absent: unknown), and the output as `candidatesTokenCount` plus `thoughtsTokenCount`.
    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, let input = value["promptTokenCount"]?.intValue else { return nil }
        let output = (value["candidatesTokenCount"]?.intValue ?? 0) + (value["thoughtsTokenCount"]?.intValue ?? 0)
        return TokenUsage(
            inputTokens: input, outputTokens: output, cacheReadTokens: value["cachedContentTokenCount"]?.intValue)
    }

    public func errorMessage(in body: JSONValue) -> String? {
        if let array = body.arrayValue, let first = array.first { return errorMessage(in: first) }
        return body["error"]?["message"]?.stringValue
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder() }

    /// Each `data:` event is a whole response fragment; the last carries `finishReason`, or the
    /// only one a `promptFeedback.blockReason`. The text pieces are the non-thought parts.
    struct Decoder: StreamDecoder {
        var events = ServerSentEvents()
        var reply = Reply()

        var reportedUsage: TokenUsage? { reply.usage }

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try events.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ event: ServerSentEvents.Event) throws -> String? {
            guard let chunk = try? JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, "Gemini streamed a chunk that is not JSON")
            }
            if let message = chunk["error"]?["message"]?.stringValue {
                throw ProviderError(.http, "Gemini reported an error mid-stream: \(message)", usage: reply.usage)
            }
            let piece = reply.add(chunk) ?? ""
            return piece.isEmpty ? nil : piece
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            guard reply.isFinished else {
                throw ProviderError(.invalidResponse, "Gemini's stream ended before a finishReason", usage: reply.usage)
            }
            return reply.response()
        }
    }

    /// The reply schema in Gemini's dialect.
    static let replySchema: JSONValue = {
        let string: JSONValue = ["type": "STRING"]
        let strings: JSONValue = ["type": "ARRAY", "items": string]
        let entry: JSONValue = [
            "type": "OBJECT",
            "properties": [
                "kind": string, "payload": ["type": "OBJECT", "properties": ["text": string], "required": ["text"]],
                "to": strings, "priority": ["type": "STRING", "enum": ["urgent", "normal", "low"]], "reply_to": string,
                "tags": strings,
            ],
            "required": ["payload"],
        ]
        let memory: JSONValue = [
            "type": "OBJECT",
            "properties": [
                "key": string, "op": ["type": "STRING", "enum": ["set", "append", "merge", "delete"]], "value": string,
            ],
            "required": ["key"],
        ]
        return [
            "type": "OBJECT",
            "properties": [
                "outbox_entries": ["type": "ARRAY", "items": entry],
                "memory_updates": ["type": "ARRAY", "items": memory],
                "notes": string,
            ],
        ]
    }()
}
