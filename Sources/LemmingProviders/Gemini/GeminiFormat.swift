import LemmingCore
import LemmingJSON

/// Google Gemini `generateContent` (`POST {base}/v1beta/models/{model}:generateContent`, the key
/// in `x-goog-api-key`, never in the URL); streaming through `:streamGenerateContent?alt=sse`.
///
/// Structured output: `responseMimeType: application/json` with a `responseSchema` in Gemini's
/// OpenAPI dialect, which cannot express free-form objects: there, payloads carry `text` and
/// memory values are strings.
public struct GeminiFormat: WireFormat {
    public let name = "Gemini"

    public init() {}

    public func url(settings: HTTPSettings, streaming: Bool) -> String {
        let model = settings.model.hasPrefix("models/") ? settings.model : "models/" + settings.model
        return settings.baseURL + "/v1beta/" + model
            + (streaming ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    public func headers(settings: HTTPSettings) -> [(String, String)] {
        settings.apiKey.map { [("x-goog-api-key", $0)] } ?? []
    }

    public var supportsJSONMode: Bool { true }

    public func body(
        for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool
    ) -> JSONValue {
        var body = JSONObject()
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        body["contents"] = .array(
            request.messages.filter { $0.role != .system }.map {
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

    public func parse(_ body: JSONValue) throws -> ChatResponse {
        guard let candidate = body["candidates"]?.arrayValue?.first else {
            let reason = body["promptFeedback"]?["blockReason"]?.stringValue.map { " (blocked: \($0))" } ?? ""
            throw ProviderError(.invalidResponse, "Gemini answered without candidates\(reason)")
        }
        let text = Self.text(of: candidate)
        return ChatResponse(
            text: text, usage: Self.usage(body["usageMetadata"]), finishReason: candidate["finishReason"]?.stringValue)
    }

    static func text(of candidate: JSONValue) -> String {
        (candidate["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }

    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, let input = value["promptTokenCount"]?.intValue else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: value["candidatesTokenCount"]?.intValue ?? 0)
    }

    public func errorMessage(in body: JSONValue) -> String? {
        if let array = body.arrayValue, let first = array.first { return errorMessage(in: first) }
        return body["error"]?["message"]?.stringValue
    }

    public func makeStreamDecoder() -> any StreamDecoder { Decoder() }

    /// Each `data:` event is a whole response fragment; the last carries `finishReason`.
    struct Decoder: StreamDecoder {
        var events = ServerSentEvents()
        var text = ""
        var usage: TokenUsage?
        var finishReason: String?

        mutating func feed(_ bytes: [UInt8]) throws -> [String] {
            try events.feed(bytes).compactMap { try handle($0) }
        }

        private mutating func handle(_ event: ServerSentEvents.Event) throws -> String? {
            guard let chunk = try? JSONValue.parse(event.data) else {
                throw ProviderError(.invalidResponse, "Gemini streamed a chunk that is not JSON")
            }
            if let message = chunk["error"]?["message"]?.stringValue {
                throw ProviderError(.http, "Gemini reported an error mid-stream: \(message)")
            }
            if let reported = GeminiFormat.usage(chunk["usageMetadata"]) { usage = reported }
            guard let candidate = chunk["candidates"]?.arrayValue?.first else { return nil }
            if let reason = candidate["finishReason"]?.stringValue { finishReason = reason }
            let piece = GeminiFormat.text(of: candidate)
            text += piece
            return piece.isEmpty ? nil : piece
        }

        mutating func finish() throws -> ChatResponse {
            if let event = events.finish() { _ = try handle(event) }
            guard finishReason != nil else {
                throw ProviderError(.invalidResponse, "Gemini's stream ended before a finishReason", usage: usage)
            }
            return ChatResponse(text: text, usage: usage, finishReason: finishReason)
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
