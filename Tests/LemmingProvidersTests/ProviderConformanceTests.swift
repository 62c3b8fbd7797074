import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The conformance suite every network provider passes, against a fake server that speaks its
/// wire format: replies, streams, what is sent where, structured output, and (in
/// `ProviderConformanceTests+Faults.swift`) every fault the resilience layer handles.
@Suite(.timeLimit(.minutes(1)))
struct ProviderConformanceTests {
    @Test(arguments: Flavour.allCases)
    func replyCarriesTextUsageAndFinishReason(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.text("Ship the spec on Friday.", inputTokens: 42, outputTokens: 7))
            let response = try await harness.provider(server).complete(plainRequest())
            #expect(response.text == "Ship the spec on Friday.")
            #expect(response.usage == TokenUsage(inputTokens: 42, outputTokens: 7))
            #expect(response.finishReason == flavour.usualFinishReason)
            #expect(response.finish == .complete)
            #expect(response.reasoning == nil && response.refusal == nil)
            #expect(response.servedBy == nil)
            let requests = server.requests
            try #require(requests.count == 1)
            expectWellFormed(requests[0], flavour, streaming: false, output: .plain)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.allCases)
    func streamDeliversPiecesInOrder(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let text = "First draft the spec, then ask the reviewer for comments."
            server.enqueue(.text(text, chunks: 5, inputTokens: 30, outputTokens: 12))
            let pieces = TextPieces()
            let response = try await harness.provider(server).stream(plainRequest(), onText: pieces.collect)
            #expect(pieces.all == FakeModelServer.pieces(of: text, count: 5))
            #expect(pieces.joined == text)
            #expect(response.text == text)
            #expect(response.usage == TokenUsage(inputTokens: 30, outputTokens: 12))
            #expect(response.finishReason == flavour.usualFinishReason)
            let requests = server.requests
            try #require(requests.count == 1)
            expectWellFormed(requests[0], flavour, streaming: true, output: .plain)
        }
    }

    @Test(arguments: Flavour.allCases)
    func replyCutOffByTheTokenLimitIsATruncatedAnswerWithItsUsage(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let cut = flavour.cutOffFinishReason
        let half = #"{"outbox_entries": [{"kind": "response", "payload": {"text": "Here is the plan: first"#
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(
                .text(half, inputTokens: 200, outputTokens: 256, finishReason: cut),
                .text(half, chunks: 2, inputTokens: 200, outputTokens: 256, finishReason: cut))
            let provider = try harness.provider(server)
            for response in [
                try await provider.complete(plainRequest()),
                try await provider.stream(plainRequest(), onText: { _ in }),
            ] {
                #expect(response.text == half)
                #expect(response.finishReason == cut)
                #expect(response.finish == .truncated)
                #expect(response.usage == TokenUsage(inputTokens: 200, outputTokens: 256))
            }
        }
    }

    @Test(arguments: Flavour.allCases)
    func structuredOutputUsesEachAPIsMechanism(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let reply = #"{"notes":"spec drafted"}"#
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.text(reply), .text(reply, chunks: 3))
            let provider = try harness.provider(server)
            let whole = try await provider.complete(chatRequest())
            #expect(whole.text == reply)
            let pieces = TextPieces()
            let streamed = try await provider.stream(chatRequest(), onText: pieces.collect)
            #expect(streamed.text == reply)
            #expect(pieces.joined == reply)
            if flavour == .anthropic {
                #expect(whole.finishReason == "tool_use")
                #expect(streamed.finishReason == "tool_use")
            }
            let requests = server.requests
            try #require(requests.count == 2)
            expectWellFormed(requests[0], flavour, streaming: false, output: .schema)
            expectWellFormed(requests[1], flavour, streaming: true, output: .schema)
        }
    }

    @Test(arguments: Flavour.allCases)
    func rejectedSchemaFallsBackToJSONModeOrAPlainPromptAndIsRemembered(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let lowered = flavour.afterSchemaRejection
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.rejectStructuredOutput, .text("lowered one"), .text("lowered two", chunks: 2))
            let provider = try harness.provider(server)
            #expect(try await provider.complete(chatRequest()).text == "lowered one")
            #expect(try await provider.stream(chatRequest(), onText: { _ in }).text == "lowered two")
            let requests = server.requests
            try #require(requests.count == 3)
            expectWellFormed(requests[0], flavour, streaming: false, output: .schema)
            expectWellFormed(requests[1], flavour, streaming: false, output: lowered)
            expectWellFormed(requests[2], flavour, streaming: true, output: lowered)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.allCases.filter(\.hasJSONMode))
    func rejectedJSONModeFallsBackToAPlainPrompt(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.rejectStructuredOutput, .rejectStructuredOutput, .text("plain"), .text("plain again"))
            let provider = try harness.provider(server)
            #expect(try await provider.complete(chatRequest()).text == "plain")
            #expect(try await provider.complete(chatRequest()).text == "plain again")
            let requests = server.requests
            try #require(requests.count == 4)
            expectWellFormed(requests[0], flavour, streaming: false, output: .schema)
            expectWellFormed(requests[1], flavour, streaming: false, output: .jsonMode)
            expectWellFormed(requests[2], flavour, streaming: false, output: .plain)
            expectWellFormed(requests[3], flavour, streaming: false, output: .plain)
        }
    }

    /// llama.cpp's server answers an unknown `response_format` type with HTTP 500.
    @Test(arguments: [Flavour.openAICompatible, .openAI, .gemini])
    func serverErrorThatNamesTheSchemaLowersTheRequestWithoutRetrying(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let message =
            flavour == .gemini
            ? "Internal error: responseSchema is not supported"
            : #"response_format type must be one of "text" or "json_object", got "json_schema""#
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(500, message: message), .text("in JSON mode"))
            #expect(try await harness.provider(server).complete(chatRequest()).text == "in JSON mode")
            let requests = server.requests
            try #require(requests.count == 2)
            expectWellFormed(requests[0], flavour, streaming: false, output: .schema)
            expectWellFormed(requests[1], flavour, streaming: false, output: .jsonMode)
            #expect(harness.waits.isEmpty)
        }
    }

    @Test(arguments: Flavour.allCases)
    func rejectionThatDoesNotNameTheMechanismIsReturned(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.status(400, message: "messages: roles must alternate"), .text("not reached"))
            let provider = try harness.provider(server)
            let error = try #require(await providerError { try await provider.complete(chatRequest()) })
            #expect(error.httpStatus == 400)
            #expect(error.message.contains("roles must alternate"))
            #expect(server.requests.count == 1)
        }
    }

    @Test(arguments: Flavour.allCases)
    func structuredOutputCanBeTurnedOff(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let provider = try harness.provider(server, ["options": ["structured_output": false]])
            _ = try await provider.complete(chatRequest())
            let requests = server.requests
            try #require(requests.count == 1)
            expectWellFormed(requests[0], flavour, streaming: false, output: .plain)
        }
    }

    @Test(arguments: Flavour.allCases)
    func fallbackChainAnswersFromTheNextModel(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { primary in
            try await FakeModelServer.with(format: flavour.format) { backup in
                primary.whenIdle(.status(503, message: "overloaded"))
                backup.enqueue(.text("from the backup"), .text("streamed backup", chunks: 3))
                let entries: JSONObject = [
                    "primary": .object(flavour.document(primary, ["max_retries": 0, "fallback": ["backup"]])),
                    "backup": .object(flavour.document(backup)),
                ]
                let provider = try harness.provider(key: "primary", entries: entries)
                let response = try await provider.complete(plainRequest())
                #expect(response.text == "from the backup")
                #expect(response.servedBy == "backup")
                let pieces = TextPieces()
                let streamed = try await provider.stream(plainRequest(), onText: pieces.collect)
                #expect(streamed.servedBy == "backup")
                #expect(pieces.all == FakeModelServer.pieces(of: "streamed backup", count: 3))
                #expect(primary.requests.count == 2)
                #expect(backup.requests.count == 2)
            }
        }
    }
}

extension Flavour {
    /// The finish reason of a reply that ended normally, as each API spells it.
    var usualFinishReason: String {
        switch self {
        case .openAI, .openAICompatible, .ollama: return "stop"
        case .anthropic: return "end_turn"
        case .gemini: return "STOP"
        }
    }

    /// Whether the API has a JSON mode between the schema and the plain prompt.
    var hasJSONMode: Bool { self != .anthropic }

    /// What a request asks for once the server rejected the schema.
    var afterSchemaRejection: StructuredOutput { hasJSONMode ? .jsonMode : .plain }
}

/// Checks that a request went where `flavour`'s API expects it, with the key, the token limit,
/// the temperature, the messages and the structured-output mechanism (`output`) in that API's places.
func expectWellFormed(
    _ request: FakeModelServer.RecordedRequest, _ flavour: Flavour, streaming: Bool, output: StructuredOutput,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let body = request.body ?? .null
    let schema: JSONValue = ["type": "object"]
    let system: JSONValue = "You are manager."
    let user: JSONValue = "What next?"
    let messages: JSONValue = [["role": "system", "content": system], ["role": "user", "content": user]]
    #expect(request.method == "POST", sourceLocation: sourceLocation)
    #expect(request.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
    #expect(!String(decoding: request.rawBody, as: UTF8.self).contains(fakeKey), sourceLocation: sourceLocation)
    #expect(!request.target.contains(fakeKey), sourceLocation: sourceLocation)
    switch flavour {
    case .openAI, .openAICompatible:
        #expect(request.target == "/v1/chat/completions", sourceLocation: sourceLocation)
        let authorization = flavour == .openAI ? "Bearer " + fakeKey : nil
        #expect(request.header("Authorization") == authorization, sourceLocation: sourceLocation)
        #expect(body["model"] == "test-model", sourceLocation: sourceLocation)
        #expect(body["max_tokens"] == 512, sourceLocation: sourceLocation)
        #expect(body["temperature"] == 0.25, sourceLocation: sourceLocation)
        #expect(body["messages"] == messages, sourceLocation: sourceLocation)
        let stream: JSONValue? = streaming ? true : nil
        let streamOptions: JSONValue? = streaming ? ["include_usage": true] : nil
        #expect(body["stream"] == stream, sourceLocation: sourceLocation)
        #expect(body["stream_options"] == streamOptions, sourceLocation: sourceLocation)
        let jsonSchema: JSONValue = ["name": "lemming_reply", "schema": schema, "strict": false]
        let format: JSONValue?
        switch output {
        case .schema: format = ["type": "json_schema", "json_schema": jsonSchema]
        case .jsonMode: format = ["type": "json_object"]
        case .plain: format = nil
        }
        #expect(body["response_format"] == format, sourceLocation: sourceLocation)
    case .anthropic:
        #expect(request.target == "/v1/messages", sourceLocation: sourceLocation)
        #expect(request.header("x-api-key") == fakeKey, sourceLocation: sourceLocation)
        #expect(request.header("anthropic-version") == "2023-06-01", sourceLocation: sourceLocation)
        #expect(request.header("Authorization") == nil, sourceLocation: sourceLocation)
        #expect(body["model"] == "test-model", sourceLocation: sourceLocation)
        #expect(body["max_tokens"] == 512, sourceLocation: sourceLocation)
        #expect(body["temperature"] == 0.25, sourceLocation: sourceLocation)
        #expect(body["system"] == system, sourceLocation: sourceLocation)
        #expect(body["messages"] == [["role": "user", "content": user]], sourceLocation: sourceLocation)
        let stream: JSONValue? = streaming ? true : nil
        #expect(body["stream"] == stream, sourceLocation: sourceLocation)
        if output == .schema {
            let tools = body["tools"]?.arrayValue ?? []
            #expect(tools.count == 1, sourceLocation: sourceLocation)
            let name = tools.first?["name"] ?? .null
            #expect(tools.first?["input_schema"] == schema, sourceLocation: sourceLocation)
            let choice: JSONValue = ["type": "tool", "name": name]
            #expect(body["tool_choice"] == choice, sourceLocation: sourceLocation)
        } else {
            #expect(body["tools"] == nil && body["tool_choice"] == nil, sourceLocation: sourceLocation)
        }
    case .gemini:
        let action = streaming ? "streamGenerateContent?alt=sse" : "generateContent"
        #expect(request.target == "/v1beta/models/test-model:" + action, sourceLocation: sourceLocation)
        #expect(request.header("x-goog-api-key") == fakeKey, sourceLocation: sourceLocation)
        #expect(request.query?.contains("key=") != true, sourceLocation: sourceLocation)
        let generation = body["generationConfig"] ?? .null
        #expect(generation["maxOutputTokens"] == 512, sourceLocation: sourceLocation)
        #expect(generation["temperature"] == 0.25, sourceLocation: sourceLocation)
        #expect(body["temperature"] == nil && body["model"] == nil, sourceLocation: sourceLocation)
        let instruction: JSONValue = ["parts": [["text": system]]]
        let contents: JSONValue = [["role": "user", "parts": [["text": user]]]]
        #expect(body["systemInstruction"] == instruction, sourceLocation: sourceLocation)
        #expect(body["contents"] == contents, sourceLocation: sourceLocation)
        let mimeType: JSONValue? = output == .plain ? nil : "application/json"
        let schemaType: JSONValue? = output == .schema ? "OBJECT" : nil
        #expect(generation["responseMimeType"] == mimeType, sourceLocation: sourceLocation)
        #expect(generation["responseSchema"]?["type"] == schemaType, sourceLocation: sourceLocation)
    case .ollama:
        #expect(request.target == "/api/chat", sourceLocation: sourceLocation)
        #expect(request.header("Authorization") == "Bearer " + fakeKey, sourceLocation: sourceLocation)
        #expect(body["model"] == "test-model", sourceLocation: sourceLocation)
        #expect(body["options"]?["num_predict"] == 512, sourceLocation: sourceLocation)
        #expect(body["options"]?["temperature"] == 0.25, sourceLocation: sourceLocation)
        #expect(body["temperature"] == nil && body["max_tokens"] == nil, sourceLocation: sourceLocation)
        #expect(body["messages"] == messages, sourceLocation: sourceLocation)
        #expect(body["stream"] == .bool(streaming), sourceLocation: sourceLocation)
        let format: JSONValue?
        switch output {
        case .schema: format = schema
        case .jsonMode: format = "json"
        case .plain: format = nil
        }
        #expect(body["format"] == format, sourceLocation: sourceLocation)
    }
}
