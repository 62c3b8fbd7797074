import Hummingbird
import LemmingCore
import LemmingJSON
import NIOCore

/// One request to a format's route: what the fake needs to know to answer it the way the real
/// API would.
struct WireCall: Sendable {
    let format: FakeModelServer.Format
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
        switch format {
        case .openAI:
            guard request.path == "/v1/chat/completions" else { return nil }
            presentedKey = bearer ?? request.header("api-key")
        case .anthropic:
            guard request.path == "/v1/messages" else { return nil }
            presentedKey = request.header("x-api-key")
        case .gemini:
            let prefix = "/v1beta/models/"
            guard request.path.hasPrefix(prefix) else { return nil }
            let action = request.path.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
            guard action.count == 2, ["generateContent", "streamGenerateContent"].contains(action[1]) else {
                return nil
            }
            model = String(action[0])
            streaming = action[1] == "streamGenerateContent"
            serverSentEvents = request.query?.split(separator: "&").contains("alt=sse") == true
            presentedKey = request.header("x-goog-api-key")
        case .ollama:
            guard request.path == "/api/chat" else { return nil }
            streaming = body["stream"]?.boolValue ?? true
            presentedKey = bearer
        }
        self.model = model
        self.streaming = streaming
        self.serverSentEvents = serverSentEvents
        includeUsage = body["stream_options"]?["include_usage"]?.boolValue == true
        let choice = body["tool_choice"]
        forcedTool = choice?["type"]?.stringValue == "tool" ? choice?["name"]?.stringValue : nil
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

    /// A reply, whole or streamed; `truncated` leaves out the stream's final events (or cuts the
    /// whole body in half); `stallSeconds` waits after the first part.
    static func reply(
        _ reply: FakeModelServer.Reply, call: WireCall, truncated: Bool, stallSeconds: Double?
    ) -> Response {
        var parts: [String]
        let contentType: String
        if call.streaming {
            let (content, final) = frames(reply, call: call)
            parts = truncated ? content : content + final
            contentType =
                call.format == .ollama
                ? "application/x-ndjson" : call.serverSentEvents ? "text/event-stream" : "application/json"
        } else {
            let whole = Array(text(wholeBody(reply, call: call)).utf8)
            let half = whole.count / 2
            parts = [String(decoding: whole[..<half], as: UTF8.self)]
            if !truncated { parts.append(String(decoding: whole[half...], as: UTF8.self)) }
            contentType = "application/json"
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let body = ResponseBody { [parts] writer in
            for (index, part) in parts.enumerated() {
                try await writer.write(ByteBuffer(string: part))
                if index == 0, let stallSeconds {
                    try await Task.sleep(for: .milliseconds(Int64(stallSeconds * 1000)))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The body of a whole (non-streaming) reply.
    static func wholeBody(_ reply: FakeModelServer.Reply, call: WireCall) -> JSONValue {
        switch call.format {
        case .openAI:
            let message: JSONValue = ["role": "assistant", "content": .string(reply.text), "refusal": nil]
            return [
                "id": "chatcmpl-fake", "object": "chat.completion", "created": .int(created),
                "model": .string(call.model),
                "choices": [
                    [
                        "index": 0, "message": message, "logprobs": nil,
                        "finish_reason": .string(reply.finishReason ?? "stop"),
                    ]
                ],
                "usage": openAIUsage(reply), "system_fingerprint": "fp_fake",
            ]
        case .anthropic:
            let tool = toolInput(reply, call: call)
            let block: JSONValue =
                tool.map { ["type": "tool_use", "id": "toolu_fake", "name": .string($0.name), "input": $0.input] }
                ?? ["type": "text", "text": .string(reply.text)]
            return [
                "id": "msg_fake", "type": "message", "role": "assistant", "model": .string(call.model),
                "content": [block],
                "stop_reason": .string(reply.finishReason ?? (tool == nil ? "end_turn" : "tool_use")),
                "stop_sequence": nil,
                "usage": ["input_tokens": .int(reply.inputTokens), "output_tokens": .int(reply.outputTokens)],
            ]
        case .gemini:
            return geminiChunk(reply.text, reply: reply, call: call, final: true)
        case .ollama:
            return ollamaChunk(reply.text, reply: reply, call: call, final: true)
        }
    }

    /// A stream's frames: those carrying the text, then the final ones a truncated stream lacks.
    static func frames(_ reply: FakeModelServer.Reply, call: WireCall) -> (content: [String], final: [String]) {
        let pieces = reply.pieces
        func event(_ name: String?, _ value: JSONValue) -> String {
            (name.map { "event: \($0)\n" } ?? "") + "data: " + text(value) + "\n\n"
        }
        switch call.format {
        case .openAI:
            func chunk(_ delta: JSONValue, finish: String?) -> JSONValue {
                var chunk: JSONObject = [
                    "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": .int(created),
                    "model": .string(call.model),
                    "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": .optional(finish)]],
                ]
                if call.includeUsage { chunk["usage"] = .null }
                return .object(chunk)
            }
            let content =
                [event(nil, chunk(["role": "assistant", "content": ""], finish: nil))]
                + pieces.map { event(nil, chunk(["content": .string($0)], finish: nil)) }
            var final = [event(nil, chunk([:], finish: reply.finishReason ?? "stop"))]
            if call.includeUsage {
                let usage: JSONValue = [
                    "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": .int(created),
                    "model": .string(call.model), "choices": [], "usage": openAIUsage(reply),
                ]
                final.append(event(nil, usage))
            }
            final.append("data: [DONE]\n\n")
            return (content, final)
        case .anthropic:
            let tool = toolInput(reply, call: call)
            let message: JSONValue = [
                "id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": .string(call.model),
                "stop_reason": nil, "stop_sequence": nil,
                "usage": ["input_tokens": .int(reply.inputTokens), "output_tokens": 1],
            ]
            let block: JSONValue =
                tool.map { ["type": "tool_use", "id": "toolu_fake", "name": .string($0.name), "input": [:]] }
                ?? ["type": "text", "text": ""]
            let deltaPieces = tool.map { FakeModelServer.pieces(of: text($0.input), count: reply.chunks) } ?? pieces
            var content = [
                event("message_start", ["type": "message_start", "message": message]),
                event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": block]),
                event("ping", ["type": "ping"]),
            ]
            for piece in deltaPieces {
                let delta: JSONValue =
                    tool == nil
                    ? ["type": "text_delta", "text": .string(piece)]
                    : ["type": "input_json_delta", "partial_json": .string(piece)]
                content.append(
                    event("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": delta]))
            }
            let stop = reply.finishReason ?? (tool == nil ? "end_turn" : "tool_use")
            let final = [
                event("content_block_stop", ["type": "content_block_stop", "index": 0]),
                event(
                    "message_delta",
                    [
                        "type": "message_delta", "delta": ["stop_reason": .string(stop), "stop_sequence": nil],
                        "usage": ["output_tokens": .int(reply.outputTokens)],
                    ]),
                event("message_stop", ["type": "message_stop"]),
            ]
            return (content, final)
        case .gemini:
            let chunks = pieces.enumerated().map { index, piece in
                text(geminiChunk(piece, reply: reply, call: call, final: index == pieces.count - 1))
            }
            guard call.serverSentEvents else {
                // Without alt=sse, one JSON array arrives in pieces.
                let items = chunks.enumerated().map { $0 == 0 ? "[" + $1 : ",\r\n" + $1 }
                return (Array(items.dropLast()), [items.last ?? "[", "]"])
            }
            let events = chunks.map { "data: " + $0 + "\r\n\r\n" }
            return (Array(events.dropLast()), Array(events.suffix(1)))
        case .ollama:
            let content = pieces.map { text(ollamaChunk($0, reply: reply, call: call, final: false)) + "\n" }
            return (content, [text(ollamaChunk("", reply: reply, call: call, final: true)) + "\n"])
        }
    }

    static func openAIUsage(_ reply: FakeModelServer.Reply) -> JSONValue {
        [
            "prompt_tokens": .int(reply.inputTokens), "completion_tokens": .int(reply.outputTokens),
            "total_tokens": .int(reply.inputTokens + reply.outputTokens),
        ]
    }

    /// Anthropic answers a forced tool with a `tool_use` block whose input is the reply object.
    static func toolInput(_ reply: FakeModelServer.Reply, call: WireCall) -> (name: String, input: JSONValue)? {
        guard let name = call.forcedTool, let input = try? JSONValue.parse(reply.text), input.objectValue != nil else {
            return nil
        }
        return (name, input)
    }

    static func geminiChunk(_ piece: String, reply: FakeModelServer.Reply, call: WireCall, final: Bool) -> JSONValue {
        var candidate: JSONObject = ["content": ["parts": [["text": .string(piece)]], "role": "model"], "index": 0]
        if final { candidate["finishReason"] = .string(reply.finishReason ?? "STOP") }
        let output = final ? reply.outputTokens : 0
        return [
            "candidates": [.object(candidate)],
            "usageMetadata": [
                "promptTokenCount": .int(reply.inputTokens), "candidatesTokenCount": .int(output),
                "totalTokenCount": .int(reply.inputTokens + output),
            ],
            "modelVersion": .string(call.model), "responseId": "fake-response",
        ]
    }

    static func ollamaChunk(_ piece: String, reply: FakeModelServer.Reply, call: WireCall, final: Bool) -> JSONValue {
        var chunk: JSONObject = [
            "model": .string(call.model), "created_at": "2026-01-01T00:00:00.000000Z",
            "message": ["role": "assistant", "content": .string(piece)],
        ]
        if final {
            chunk["done_reason"] = .string(reply.finishReason ?? "stop")
            chunk["done"] = true
            chunk["total_duration"] = 1_200_000
            chunk["load_duration"] = 100_000
            chunk["prompt_eval_count"] = .int(reply.inputTokens)
            chunk["prompt_eval_duration"] = 300_000
            chunk["eval_count"] = .int(reply.outputTokens)
            chunk["eval_duration"] = 800_000
        } else {
            chunk["done"] = false
        }
        return .object(chunk)
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
