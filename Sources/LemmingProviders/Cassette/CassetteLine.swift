import LemmingCore
import LemmingJSON

/// One recorded model call: a line of a cassette (JSON Lines, UTF-8, one object a line).
///
///     {"agent":"manager","tick":3,"model_key":"gpt","model":"gpt-4o-mini",
///      "request":{"sha256":"…","temperature":0.2,"max_tokens":1024,"response_schema_sha256":"…",
///                 "messages":[{"role":"system","sha256":"…","content":"…"},…]},
///      "reply":{"text":"…","finish_reason":"stop","finish":"complete",
///               "usage":{"input_tokens":812,"output_tokens":95,"cache_read_input_tokens":640,"estimated":false},
///               "reasoning":null,"refusal":null,"served_by":null}}
///
/// A call that failed has `"error": {"code": "timeout", "message": "…", "http_status": null}`
/// instead of `reply`. The request's hashes are those of ``RequestFingerprint``; its messages are
/// kept so a mismatch can show what was asked then. Nothing else of the call is kept: no base
/// URL, no header, no key, no environment.
public struct CassetteLine: Sendable, Equatable {
    public var agent: String
    public var tick: Int
    /// The registry key of the entry that recorded it.
    public var modelKey: String
    /// The provider-side model id.
    public var model: String
    public var request: RequestFingerprint
    /// What the provider returned, or how the call failed.
    public var outcome: Result<ChatResponse, RecordedFailure>

    /// A failed call as recorded: the ``ProviderError``'s code, message, usage and HTTP status.
    public struct RecordedFailure: Error, Sendable, Equatable {
        public var code: String
        public var message: String
        public var usage: TokenUsage?
        public var httpStatus: Int?

        public var providerError: ProviderError {
            ProviderError(ProviderError.Code(code), message, usage: usage, httpStatus: httpStatus)
        }
    }

    public init(
        agent: String, tick: Int, modelKey: String, model: String, request: RequestFingerprint,
        outcome: Result<ChatResponse, RecordedFailure>
    ) {
        self.agent = agent
        self.tick = tick
        self.modelKey = modelKey
        self.model = model
        self.request = request
        self.outcome = outcome
    }

    /// The line's JSON object.
    public var json: JSONValue {
        var object: JSONObject = [
            "agent": .string(agent), "tick": .int(tick), "model_key": .string(modelKey), "model": .string(model),
        ]
        object["request"] = [
            "sha256": .string(request.sha256), "temperature": .double(request.temperature),
            "max_tokens": .int(request.maxTokens), "response_schema_sha256": .optional(request.responseSchemaSHA256),
            "messages": .array(
                request.messages.map {
                    ["role": .string($0.role), "sha256": .string($0.sha256), "content": .string($0.content)]
                }),
        ]
        switch outcome {
        case .success(let response):
            object["reply"] = [
                "text": .string(response.text), "finish_reason": .optional(response.finishReason),
                "finish": .string(response.finish.rawValue), "usage": response.usage?.json ?? .null,
                "reasoning": .optional(response.reasoning), "refusal": .optional(response.refusal),
                "served_by": .optional(response.servedBy),
            ]
        case .failure(let failure):
            object["error"] = [
                "code": .string(failure.code), "message": .string(failure.message),
                "usage": failure.usage?.json ?? .null, "http_status": failure.httpStatus.map(JSONValue.int) ?? .null,
            ]
        }
        return .object(object)
    }

    /// The line as written: compact JSON and a newline.
    public var bytes: [UInt8] {
        var bytes = JSONWriter(style: .compact).bytes(json)
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a line.
    ///
    /// - Throws: a message naming what is missing or wrong.
    public init(json value: JSONValue) throws(CassetteFormatError) {
        guard let agent = value["agent"]?.stringValue, !agent.isEmpty else { throw .init("needs an \"agent\"") }
        guard let tick = value["tick"]?.intValue else { throw .init("needs an integer \"tick\"") }
        guard let request = value["request"], let sha256 = request["sha256"]?.stringValue else {
            throw .init("needs \"request.sha256\"")
        }
        var messages: [RequestFingerprint.Message] = []
        for message in request["messages"]?.arrayValue ?? [] {
            guard let role = message["role"]?.stringValue, let hash = message["sha256"]?.stringValue else {
                throw .init("each of \"request.messages\" needs a \"role\" and a \"sha256\"")
            }
            messages.append(.init(role: role, content: message["content"]?.stringValue ?? "", sha256: hash))
        }
        self.agent = agent
        self.tick = tick
        modelKey = value["model_key"]?.stringValue ?? ""
        model = value["model"]?.stringValue ?? ""
        self.request = RequestFingerprint(
            sha256: sha256, messages: messages, temperature: request["temperature"]?.doubleValue ?? 0,
            maxTokens: request["max_tokens"]?.intValue ?? 0,
            responseSchemaSHA256: request["response_schema_sha256"]?.stringValue)
        if let reply = value["reply"], !reply.isNull {
            guard let text = reply["text"]?.stringValue else { throw .init("needs \"reply.text\"") }
            outcome = .success(
                ChatResponse(
                    text: text, usage: reply["usage"].flatMap(Self.usage),
                    finishReason: reply["finish_reason"]?.stringValue,
                    finish: reply["finish"]?.stringValue.flatMap(ChatResponse.Finish.init(rawValue:)) ?? .complete,
                    reasoning: reply["reasoning"]?.stringValue, refusal: reply["refusal"]?.stringValue,
                    servedBy: reply["served_by"]?.stringValue))
        } else if let error = value["error"], let code = error["code"]?.stringValue {
            outcome = .failure(
                RecordedFailure(
                    code: code, message: error["message"]?.stringValue ?? "", usage: error["usage"].flatMap(Self.usage),
                    httpStatus: error["http_status"]?.intValue))
        } else {
            throw .init("needs a \"reply\" (or an \"error\" with a \"code\")")
        }
    }

    private static func usage(_ value: JSONValue) -> TokenUsage? {
        guard !value.isNull else { return nil }
        return TokenUsage(json: value)
    }
}

/// Why a cassette line cannot be read.
public struct CassetteFormatError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
