import Foundation
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Server-Sent Events and NDJSON framing, and each format's stream decoder, fed the bytes split
/// at arbitrary boundaries.
@Suite struct StreamDecoderTests {
    /// Ways to cut a body into the pieces the network delivers.
    enum Cut: CaseIterable, CustomTestStringConvertible {
        case whole
        case byteByByte
        case random

        var testDescription: String { "\(self)" }

        func split(_ bytes: [UInt8], seed: UInt64 = 7) -> [[UInt8]] {
            switch self {
            case .whole:
                return [bytes]
            case .byteByByte:
                return bytes.map { [$0] }
            case .random:
                var generator = SeededGenerator(seed: seed)
                var pieces: [[UInt8]] = []
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + Int.random(in: 1...9, using: &generator))
                    pieces.append(Array(bytes[start..<end]))
                    start = end
                }
                return pieces
            }
        }
    }

    func events(_ text: String, cut: Cut) -> [ServerSentEvents.Event] {
        var parser = ServerSentEvents()
        var events = cut.split(Array(text.utf8)).flatMap { parser.feed($0) }
        if let last = parser.finish() { events.append(last) }
        return events
    }

    func summary(_ events: [ServerSentEvents.Event]) -> [String] {
        events.map { ($0.name.map { $0 + "|" } ?? "") + $0.data }
    }

    // MARK: - Server-Sent Events

    @Test(arguments: Cut.allCases)
    func eventsSurviveAnySplit(cut: Cut) {
        let stream = "event: first\ndata: {\"a\":1}\n\ndata: second\n\nevent: third\ndata: x\n\n"
        #expect(summary(events(stream, cut: cut)) == ["first|{\"a\":1}", "second", "third|x"])
    }

    @Test func everySplitPointOfTwoPiecesGivesTheSameEvents() {
        let stream = "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n: ping\r\ndata: é✓\r\n\r\n"
        let bytes = Array(stream.utf8)
        for split in 0...bytes.count {
            var parser = ServerSentEvents()
            let events = parser.feed(Array(bytes[..<split])) + parser.feed(Array(bytes[split...]))
            #expect(summary(events) == ["message_start|{\"type\":\"message_start\"}", "é✓"], "split at \(split)")
        }
    }

    @Test(arguments: Cut.allCases)
    func crlfLineEndings(cut: Cut) {
        let stream = "data: {\"n\":1}\r\n\r\ndata: {\"n\":2}\r\n\r\n"
        #expect(summary(events(stream, cut: cut)) == ["{\"n\":1}", "{\"n\":2}"])
    }

    @Test(arguments: Cut.allCases)
    func commentsAndUnknownFieldsAreIgnored(cut: Cut) {
        let stream = ": OPENROUTER PROCESSING\n\nid: 7\nretry: 100\n: keep-alive\ndata: kept\n\n:\n\n"
        #expect(summary(events(stream, cut: cut)) == ["kept"])
    }

    @Test func dataLinesOfOneEventAreJoinedWithNewlines() {
        #expect(summary(events("data: one\ndata: two\ndata:\n\n", cut: .whole)) == ["one\ntwo\n"])
    }

    @Test func onlyOneSpaceAfterTheColonIsDropped() {
        #expect(
            summary(events("data:tight\n\ndata:  spaced\n\nevent:  name\ndata: x\n\n", cut: .whole))
                == ["tight", " spaced", " name|x"])
    }

    @Test func eventNameLastsForOneEvent() {
        #expect(summary(events("event: a\ndata: 1\n\ndata: 2\n\n", cut: .whole)) == ["a|1", "2"])
    }

    @Test func blankLinesWithoutDataMakeNoEvent() {
        #expect(events("\n\n\r\n\nevent: lonely\n\n", cut: .whole).isEmpty)
    }

    @Test(arguments: Cut.allCases)
    func finalEventWithoutBlankLineIsKept(cut: Cut) {
        #expect(summary(events("data: first\n\nevent: last\ndata: tail", cut: cut)) == ["first", "last|tail"])
        #expect(summary(events("data: first\n\ndata: tail\n", cut: cut)) == ["first", "tail"])
    }

    @Test func lineSplitterKeepsWhatFollowsTheLastNewline() {
        var splitter = LineSplitter()
        #expect(splitter.feed(Array("a\r\nb".utf8)) == ["a"])
        #expect(splitter.remainder == "b")
        #expect(splitter.feed(Array("c\n\n".utf8)) == ["bc", ""])
        #expect(splitter.remainder == "")
    }

    // MARK: - Format decoders

    /// Feeds `body` cut as `cut` and returns the pieces, then the finished reply.
    func decode(
        _ decoder: any StreamDecoder, _ body: String, cut: Cut
    ) throws -> (pieces: [String], response: ChatResponse) {
        var decoder = decoder
        var pieces: [String] = []
        for part in cut.split(Array(body.utf8)) { pieces += try decoder.feed(part) }
        return (pieces.filter { !$0.isEmpty }, try decoder.finish())
    }

    func expectInvalid(_ decoder: any StreamDecoder, _ body: String, code: ProviderError.Code = .invalidResponse) {
        #expect {
            _ = try decode(decoder, body, cut: .byteByByte)
        } throws: { error in
            (error as? ProviderError)?.code == code
        }
    }

    static let openAIStream = """
        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}

        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo ✓"},"finish_reason":null}],"usage":null}

        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}

        data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}

        data: [DONE]


        """

    @Test(arguments: Cut.allCases)
    func openAIChunksThenUsageThenDone(cut: Cut) throws {
        let (pieces, response) = try decode(OpenAIFormat().makeStreamDecoder(), Self.openAIStream, cut: cut)
        #expect(pieces == ["Hel", "lo ✓"])
        #expect(
            response
                == ChatResponse(
                    text: "Hello ✓", usage: TokenUsage(inputTokens: 9, outputTokens: 3), finishReason: "stop"))
    }

    @Test func openAIStreamCutBeforeItsEndIsInvalid() throws {
        let lines = Self.openAIStream.components(separatedBy: "\n\n")
        expectInvalid(OpenAIFormat().makeStreamDecoder(), lines.prefix(3).joined(separator: "\n\n") + "\n\n")
        expectInvalid(OpenAIFormat().makeStreamDecoder(), "")
        expectInvalid(OpenAIFormat().makeStreamDecoder(), "data: {\"choices\": [\n\n")
        expectInvalid(
            OpenAIFormat().makeStreamDecoder(), "data: {\"error\":{\"message\":\"overloaded\"}}\n\n", code: .http)
    }

    static let anthropicText = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    @Test(arguments: Cut.allCases)
    func anthropicTextEvents(cut: Cut) throws {
        let (pieces, response) = try decode(AnthropicFormat().makeStreamDecoder(), Self.anthropicText, cut: cut)
        #expect(pieces == ["Hi", " there"])
        #expect(
            response
                == ChatResponse(
                    text: "Hi there", usage: TokenUsage(inputTokens: 25, outputTokens: 15), finishReason: "end_turn"))
    }

    @Test(arguments: Cut.allCases)
    func anthropicToolUseInputArrivesAsJSONPieces(cut: Cut) throws {
        let body = Self.anthropicText
            .replacingOccurrences(
                of: #"{"type":"text","text":""}"#,
                with: #"{"type":"tool_use","id":"toolu_1","name":"reply","input":{}}"#
            )
            .replacingOccurrences(
                of: #"{"type":"text_delta","text":"Hi"}"#,
                with: #"{"type":"input_json_delta","partial_json":"{\"notes\":"}"#
            )
            .replacingOccurrences(
                of: #"{"type":"text_delta","text":" there"}"#,
                with: #"{"type":"input_json_delta","partial_json":"\"ok\"}"}"#
            )
            .replacingOccurrences(of: "end_turn", with: "tool_use")
        let (pieces, response) = try decode(AnthropicFormat().makeStreamDecoder(), body, cut: cut)
        #expect(pieces == [#"{"notes":"#, #""ok"}"#])
        #expect(response.text == #"{"notes":"ok"}"#)
        #expect(response.finishReason == "tool_use")
    }

    @Test func anthropicStreamWithoutMessageStopIsInvalidAndKeepsItsUsage() throws {
        let cut = Self.anthropicText.components(separatedBy: "event: message_delta")[0]
        var decoder = AnthropicFormat().makeStreamDecoder()
        _ = try decoder.feed(Array(cut.utf8))
        #expect {
            _ = try decoder.finish()
        } throws: { error in
            let error = error as? ProviderError
            return error?.code == .invalidResponse && error?.usage == TokenUsage(inputTokens: 25, outputTokens: 0)
        }
        let overloaded = #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
        expectInvalid(AnthropicFormat().makeStreamDecoder(), "event: error\ndata: \(overloaded)\n\n", code: .http)
        expectInvalid(AnthropicFormat().makeStreamDecoder(), "event: message_start\ndata: {not json\n\n")
    }

    /// Gemini frames its events with CRLF.
    static let geminiStream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Draft \"}],\"role\":\"model\"},\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":14,\"totalTokenCount\":14}}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ready\"}],\"role\":\"model\"},"
        + "\"finishReason\":\"STOP\",\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":14,\"candidatesTokenCount\":2,\"totalTokenCount\":16}}\r\n\r\n"

    @Test(arguments: Cut.allCases)
    func geminiResponseFragments(cut: Cut) throws {
        let (pieces, response) = try decode(GeminiFormat().makeStreamDecoder(), Self.geminiStream, cut: cut)
        #expect(pieces == ["Draft ", "ready"])
        #expect(
            response
                == ChatResponse(
                    text: "Draft ready", usage: TokenUsage(inputTokens: 14, outputTokens: 2), finishReason: "STOP"))
    }

    @Test func geminiStreamWithoutFinishReasonIsInvalid() {
        let first = Self.geminiStream.components(separatedBy: "\r\n\r\n")[0] + "\r\n\r\n"
        expectInvalid(GeminiFormat().makeStreamDecoder(), first)
        expectInvalid(GeminiFormat().makeStreamDecoder(), "data: [{\r\n\r\n")
        expectInvalid(
            GeminiFormat().makeStreamDecoder(), "data: {\"error\":{\"code\":503,\"message\":\"overloaded\"}}\n\n",
            code: .http)
    }

    static let ollamaStream = """
        {"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Sure"},"done":false}
        {"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":", done."},"done":false}
        {"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":5,"prompt_eval_count":26,"eval_count":4}

        """

    @Test(arguments: Cut.allCases)
    func ollamaNDJSONLines(cut: Cut) throws {
        let (pieces, response) = try decode(OllamaFormat().makeStreamDecoder(), Self.ollamaStream, cut: cut)
        #expect(pieces == ["Sure", ", done."])
        #expect(
            response
                == ChatResponse(
                    text: "Sure, done.", usage: TokenUsage(inputTokens: 26, outputTokens: 4), finishReason: "stop"))
        let unterminated = String(Self.ollamaStream.dropLast())
        #expect(try decode(OllamaFormat().makeStreamDecoder(), unterminated, cut: cut).response == response)
    }

    @Test func ollamaStreamWithoutDoneIsInvalid() {
        let lines = Self.ollamaStream.split(separator: "\n")
        expectInvalid(OllamaFormat().makeStreamDecoder(), lines[0] + "\n" + lines[1] + "\n")
        expectInvalid(OllamaFormat().makeStreamDecoder(), "<html>\n")
        expectInvalid(OllamaFormat().makeStreamDecoder(), #"{"error":"model 'x' not found"}"# + "\n")
    }
}

/// Reasoning and refusals in streams, fed the bytes split at arbitrary boundaries.
extension StreamDecoderTests {
    static let openAIReasoning = """
        data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{"reasoning_content":"Think "},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{"reasoning":"twice."},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{"content":"Done"},"finish_reason":null}]}

        data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

        data: [DONE]


        """

    @Test(arguments: Cut.allCases)
    func openAIReasoningDeltasAreNotText(cut: Cut) throws {
        let (pieces, response) = try decode(OpenAIFormat().makeStreamDecoder(), Self.openAIReasoning, cut: cut)
        #expect(pieces == ["Done"])
        #expect(response.text == "Done")
        #expect(response.reasoning == "Think twice.")
        #expect(response.finish == .complete)
    }

    @Test(arguments: Cut.allCases)
    func openAIRefusalDeltas(cut: Cut) throws {
        let body = """
            data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":"I can't "},"finish_reason":null}]}

            data: {"choices":[{"index":0,"delta":{"refusal":"help."},"finish_reason":null}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]


            """
        let (pieces, response) = try decode(OpenAIFormat().makeStreamDecoder(), body, cut: cut)
        #expect(pieces.isEmpty)
        #expect(response.refusal == "I can't help.")
        #expect(response.finish == .refused)
    }

    @Test(arguments: Cut.allCases)
    func anthropicThinkingDeltasAreNotText(cut: Cut) throws {
        let thinking = """
            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Plan it."}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQ"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}


            """
        let body = Self.anthropicText.replacingOccurrences(
            of: "event: content_block_start", with: thinking + "event: content_block_start")
        let (pieces, response) = try decode(AnthropicFormat().makeStreamDecoder(), body, cut: cut)
        #expect(pieces == ["Hi", " there"])
        #expect(response.text == "Hi there")
        #expect(response.reasoning == "Plan it.")
    }

    @Test(arguments: Cut.allCases)
    func geminiBlockedPromptEndsTheStream(cut: Cut) throws {
        let body =
            #"data: {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":9}}"#
            + "\r\n\r\n"
        let (pieces, response) = try decode(GeminiFormat().makeStreamDecoder(), body, cut: cut)
        #expect(pieces.isEmpty)
        #expect(response.finish == .refused)
        #expect(response.finishReason == "PROHIBITED_CONTENT")
        #expect(response.usage == TokenUsage(inputTokens: 9, outputTokens: 0))
    }

    @Test(arguments: Cut.allCases)
    func ollamaThinkingIsNotText(cut: Cut) throws {
        let body = Self.ollamaStream.replacingOccurrences(
            of: #""content":"Sure""#, with: #""content":"","thinking":"Hmm. ""#)
        let (pieces, response) = try decode(OllamaFormat().makeStreamDecoder(), body, cut: cut)
        #expect(pieces == [", done."])
        #expect(response.text == ", done.")
        #expect(response.reasoning == "Hmm. ")
    }
}
