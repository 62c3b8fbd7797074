import LemmingJSON
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Each API's finish vocabulary in the engine's terms, and bodies as the APIs document them
/// (OpenAI chat completions `finish_reason`, Anthropic `stop_reason`, Gemini `FinishReason` and
/// `promptFeedback`, Ollama `done_reason`).
@Suite struct FinishMappingTests {
    @Test(arguments: [
        ("stop", ChatResponse.Finish.complete), ("tool_calls", .complete), ("function_call", .complete),
        ("length", .truncated), ("content_filter", .refused), ("something_new", .complete),
    ])
    func openAI(reason: String, finish: ChatResponse.Finish) {
        #expect(OpenAIFormat.finish(reason) == finish)
    }

    @Test(arguments: [
        ("end_turn", ChatResponse.Finish.complete), ("stop_sequence", .complete), ("tool_use", .complete),
        ("max_tokens", .truncated), ("model_context_window_exceeded", .truncated), ("pause_turn", .truncated),
        ("refusal", .refused), ("something_new", .complete),
    ])
    func anthropic(reason: String, finish: ChatResponse.Finish) {
        #expect(AnthropicFormat.finish(reason) == finish)
    }

    @Test(arguments: [
        ("STOP", ChatResponse.Finish.complete), ("MAX_TOKENS", .truncated), ("SAFETY", .refused),
        ("RECITATION", .refused), ("LANGUAGE", .refused), ("BLOCKLIST", .refused), ("PROHIBITED_CONTENT", .refused),
        ("SPII", .refused), ("MODEL_ARMOR", .refused), ("IMAGE_SAFETY", .refused), ("OTHER", .complete),
        ("MALFORMED_FUNCTION_CALL", .complete), ("FINISH_REASON_UNSPECIFIED", .complete),
    ])
    func gemini(reason: String, finish: ChatResponse.Finish) {
        #expect(GeminiFormat.finish(reason) == finish)
    }

    @Test(arguments: [
        ("stop", ChatResponse.Finish.complete), ("length", .truncated), ("load", .complete), ("unload", .complete),
    ])
    func ollama(reason: String, finish: ChatResponse.Finish) {
        #expect(OllamaFormat.finish(reason) == finish)
    }

    @Test func noFinishReasonIsComplete() {
        #expect(OpenAIFormat.finish(nil) == .complete)
        #expect(AnthropicFormat.finish(nil) == .complete)
        #expect(GeminiFormat.finish(nil) == .complete)
        #expect(OllamaFormat.finish(nil) == .complete)
    }

    // MARK: - Bodies

    func parse(_ format: some WireFormat, _ body: String) throws -> ChatResponse {
        try format.parse(JSONValue.parse(Array(body.utf8)))
    }

    @Test func openAIContentAsAnArrayOfParts() throws {
        let body =
            #"{"choices":[{"message":{"content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}]},"finish_reason":"stop"}]}"#
        #expect(try parse(OpenAIFormat(), body).text == "Hello")
    }

    @Test func openAIChoiceWithoutAMessageIsAnEmptyAnswer() throws {
        let response = try parse(OpenAIFormat(), #"{"choices":[{"index":0,"finish_reason":"content_filter"}]}"#)
        #expect(response.text == "")
        #expect(response.finish == .refused)
    }

    @Test func openAIWithoutChoicesIsNotAnAnswer() {
        for body in [#"{"choices":[]}"#, #"{"object":"chat.completion"}"#, #"{"choices":[null]}"#] {
            #expect(throws: ProviderError.self) { try parse(OpenAIFormat(), body) }
        }
    }

    @Test func anthropicTextBeforeTheReplyToolIsNotTheAnswer() throws {
        let body = """
            {"content":[{"type":"thinking","thinking":"Plan.","signature":"s"},{"type":"redacted_thinking","data":"x"},
            {"type":"text","text":"Let me answer."},{"type":"tool_use","id":"t","name":"reply","input":{"notes":"ok"}}],
            "stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":7}}
            """
        let response = try parse(AnthropicFormat(), body)
        #expect(response.text == #"{"notes":"ok"}"#)
        #expect(response.reasoning == "Plan.")
        #expect(response.finish == .complete)
    }

    @Test func anthropicWithoutContentIsNotAnAnswer() {
        #expect(throws: ProviderError.self) { try parse(AnthropicFormat(), #"{"stop_reason":"end_turn"}"#) }
    }

    @Test func geminiBlockedPromptWithItsMessage() throws {
        let body = """
            {"promptFeedback":{"blockReason":"SAFETY","blockReasonMessage":"The prompt was blocked."},
            "usageMetadata":{"promptTokenCount":12559,"totalTokenCount":12559}}
            """
        let response = try parse(GeminiFormat(), body)
        #expect(response.finish == .refused)
        #expect(response.refusal == "Gemini blocked the prompt (SAFETY): The prompt was blocked.")
        #expect(response.usage == TokenUsage(inputTokens: 12559, outputTokens: 0))
    }

    @Test func geminiThoughtTokensAreOutputTokens() throws {
        let body = """
            {"candidates":[{"content":{"parts":[{"text":"Thinking…","thought":true},{"text":"Answer"}]},
            "finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":2,
            "thoughtsTokenCount":30}}
            """
        let response = try parse(GeminiFormat(), body)
        #expect(response.text == "Answer")
        #expect(response.reasoning == "Thinking…")
        #expect(response.usage == TokenUsage(inputTokens: 10, outputTokens: 32))
    }

    @Test func geminiWithNothingIsNotAnAnswer() {
        #expect(throws: ProviderError.self) { try parse(GeminiFormat(), #"{"modelVersion":"x"}"#) }
    }

    @Test func ollamaLoadAnswerIsEmpty() throws {
        let body = #"{"model":"x","message":{"role":"assistant","content":""},"done_reason":"load","done":true}"#
        let response = try parse(OllamaFormat(), body)
        #expect(response.text == "")
        #expect(response.finish == .complete)
        #expect(throws: ProviderError.self) { try parse(OllamaFormat(), #"{"model":"x","done":true}"#) }
    }

    @Test(arguments: [
        ("<think>a</think>b", "b", "a"), ("  <thinking>a</thinking>\n\nb", "b", "a"), ("<think>cut off", "", "cut off"),
        ("b<think>a</think>", "b<think>a</think>", nil), ("plain", "plain", nil),
    ])
    func thinkTags(content: String, text: String, reasoning: String?) {
        let split = ThinkTags.split(content)
        #expect(split.text == text)
        #expect(split.reasoning == reasoning)
    }
}
