import Hummingbird
import LemmingCore
import LemmingJSON
import NIOCore

/// One request to a format's route: what the fake needs to know to answer it the way the real
/// API would.
struct WireCall: Sendable {
    /// What a request asks for.
    enum Operation: Sendable {
        case chat
        /// Vectors for a list of texts (OpenAI `/v1/embeddings`, Ollama `/api/embed`, Gemini
        /// `:batchEmbedContents`).
        case embeddings
        /// Gemini's `:embedContent`: one text, one `embedding`.
        case singleEmbedding
    }

    let format: FakeModelServer.Format
    let operation: Operation
    /// The texts of an embeddings request, in order.
    let inputs: [String]
    let model: String
    let streaming: Bool
    /// Gemini streams Server-Sent Events with `alt=sse`, else one JSON array.
    let serverSentEvents: Bool
    /// OpenAI sends a usage chunk before `[DONE]` when `stream_options.include_usage` is set.
    let includeUsage: Bool
    /// The tool Anthropic's `tool_choice` forces, if any.
    let forcedTool: String?
    let presentedKey: String?
    let body: JSONValue?

    /// `nil` when the request is not for the format's route.
    init?(format: FakeModelServer.Format, request: FakeModelServer.RecordedRequest) {
        let body = request.body ?? .object(JSONObject())
        self.format = format
        self.body = request.body
        var model = body["model"]?.stringValue ?? "unknown"
        var streaming = body["stream"]?.boolValue == true
        var serverSentEvents = true
        let bearer = request.header("Authorization").map { String($0.drop { $0 != " " }.dropFirst()) }
        var operation = Operation.chat
        var inputs: [String] = []
        switch format {
        case .openAI:
            switch request.path {
            case "/v1/chat/completions": break
            case "/v1/embeddings":
                operation = .embeddings
                inputs = body["input"]?.stringValue.map { [$0] } ?? Self.strings(body["input"])
            default: return nil
            }
            presentedKey = bearer ?? request.header("api-key")
        case .anthropic:
            guard request.path == "/v1/messages" else { return nil }
            presentedKey = request.header("x-api-key")
        case .gemini:
            let prefix = "/v1beta/models/"
            guard request.path.hasPrefix(prefix) else { return nil }
            let action = request.path.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
            guard action.count == 2 else { return nil }
            switch action[1] {
            case "generateContent", "streamGenerateContent":
                streaming = action[1] == "streamGenerateContent"
            case "batchEmbedContents":
                operation = .embeddings
                inputs = (body["requests"]?.arrayValue ?? []).map { Self.geminiText($0["content"]) }
            case "embedContent":
                operation = .singleEmbedding
                inputs = [Self.geminiText(body["content"])]
            default: return nil
            }
            model = String(action[0])
            serverSentEvents = request.query?.split(separator: "&").contains("alt=sse") == true
            presentedKey = request.header("x-goog-api-key")
        case .ollama:
            switch request.path {
            case "/api/chat": streaming = body["stream"]?.boolValue ?? true
            case "/api/embed":
                operation = .embeddings
                inputs = body["input"]?.stringValue.map { [$0] } ?? Self.strings(body["input"])
            default: return nil
            }
            presentedKey = bearer
        }
        self.operation = operation
        self.inputs = inputs
        self.model = model
        self.streaming = streaming
        self.serverSentEvents = serverSentEvents
        includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
        let choice = body["tool_choice"]
        forcedTool = choice?["type"]?.stringValue == "tool" ? choice?["name"]?.stringValue : nil
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).map { $0.stringValue ?? "" }
    }

    /// The text of a Gemini `Content`: its parts' texts, joined.
    private static func geminiText(_ content: JSONValue?) -> String {
        (content?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }
}

/// How each format renders replies and errors.
enum Wire {
    static let created = 1_767_225_600

    static func text(_ value: JSONValue) -> String { JSONWriter(style: .compact).string(value) }

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: text(value))))
    }

    /// The error body each API sends.
    static func errorBody(format: FakeModelServer.Format, status: Int, message: String) -> JSONValue {
        switch format {
        case .openAI:
            let type = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error"
            let code: JSONValue = status == 401 ? "invalid_api_key" : nil
            return ["error": ["message": .string(message), "type": .string(type), "param": nil, "code": code]]
        case .anthropic:
            let types = [
                400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error",
            ]
            let type = types[status] ?? "api_error"
            return ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
        case .gemini:
            let statuses = [
                400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
            ]
            let name = statuses[status] ?? "INTERNAL"
            return ["error": ["code": .int(status), "message": .string(message), "status": .string(name)]]
        case .ollama:
            return ["error": .string(message)]
        }
    }

    /// How each API words a 400 that rejects the structured-output mechanism a request used (the
    /// schema, or JSON mode).
    static func structuredOutputRejection(format: FakeModelServer.Format, body: JSONValue?) -> String {
        switch format {
        case .openAI:
            let type = body?["response_format"]?["type"]?.stringValue ?? "json_schema"
            return "Invalid parameter: 'response_format' of type '\(type)' is not supported with this model."
        case .anthropic:
            return "tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12."
        case .gemini:
            let field = body?["generationConfig"]?["responseSchema"] == nil ? "responseMimeType" : "responseSchema"
            return "Invalid JSON payload received. Unknown name \"\(field)\" at 'generation_config': Cannot find field."
        case .ollama:
            return body?["format"]?.stringValue == "json"
                ? "invalid format: this model does not support JSON mode"
                : "invalid format: expected \"json\" or a valid JSON schema"
        }
    }
}
