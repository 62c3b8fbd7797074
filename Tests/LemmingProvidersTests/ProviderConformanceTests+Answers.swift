import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Answers that are not usable answers: reasoning without content, reasoning beside it, refusals,
/// blocked prompts, empty replies. Each is a response (the model answered, its tokens are
/// charged) with the visible text apart from the reasoning and the finish in the engine's terms.
extension ProviderConformanceTests {
    /// Calls `provider` once whole and once streamed; the server must have two replies queued.
    func bothWays(
        _ provider: any ModelProvider, _ request: ChatRequest = plainRequest()
    ) async throws -> [(response: ChatResponse, pieces: [String])] {
        let whole = try await provider.complete(request)
        let pieces = TextPieces()
        let streamed = try await provider.stream(request, onText: pieces.collect)
        return [(whole, [whole.text]), (streamed, pieces.all)]
    }

    /// Reasoning models behind OpenAI-compatible servers: `content` null with `reasoning_content`
    /// (llama.cpp, DeepSeek), `content` "" with `reasoning` (vLLM, Ollama); the other APIs' own
    /// reasoning channels. The answer is empty, not the reasoning, and not an error.
    @Test(arguments: Flavour.allCases, ["reasoning_content", "reasoning"])
    func reasoningWithoutContentIsAnEmptyAnswerNotAnError(flavour: Flavour, field: String) async throws {
        let harness = ProviderHarness(flavour)
        let thought = #"The human wrote ping. I should answer pong. {"outbox_entries": []}"#
        try await FakeModelServer.with(format: flavour.format) { server in
            let reply = FakeModelServer.Reply(
                text: "", chunks: 3, inputTokens: 300, outputTokens: 40, reasoning: thought, reasoningField: field,
                nullContent: field == "reasoning_content")
            server.enqueue(.reply(reply), .reply(reply))
            for (response, pieces) in try await bothWays(try harness.provider(server)) {
                #expect(response.text == "")
                #expect(pieces.joined() == "")
                #expect(response.reasoning == thought)
                #expect(response.finish == .complete)
                #expect(response.refusal == nil)
                #expect(response.usage == TokenUsage(inputTokens: 300, outputTokens: 40))
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test(arguments: Flavour.allCases)
    func reasoningIsKeptApartFromTheAnswer(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let answer = #"{"notes": "pong sent"}"#
        try await FakeModelServer.with(format: flavour.format) { server in
            let reply = FakeModelServer.Reply(text: answer, chunks: 2, reasoning: "Think first, then answer.")
            server.enqueue(.reply(reply), .reply(reply))
            for (response, pieces) in try await bothWays(try harness.provider(server)) {
                #expect(response.text == answer)
                #expect(pieces.joined() == answer)
                #expect(response.reasoning == "Think first, then answer.")
                #expect(response.finish == .complete)
            }
        }
    }

    /// DeepSeek R1 and Qwen3 behind a server without a reasoning parser write `<think>…</think>`
    /// into the content.
    @Test(arguments: Flavour.allCases)
    func thinkTagsAtTheStartOfTheContentAreReasoning(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let answer = #"{"outbox_entries": [{"to": ["human"], "payload": {"text": "pong"}}]}"#
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(
                .text("<think>\nThe human wrote ping.\n</think>\n\n" + answer),
                .text(
                    "<think>The human wrote ping, but I ran out of tokens", chunks: 3,
                    finishReason: flavour.cutOffFinishReason))
            let provider = try harness.provider(server)
            let whole = try await provider.complete(plainRequest())
            #expect(whole.text == answer)
            #expect(whole.reasoning == "\nThe human wrote ping.\n")
            let cut = try await provider.stream(plainRequest(), onText: { _ in })
            #expect(cut.text == "")
            #expect(cut.reasoning == "The human wrote ping, but I ran out of tokens")
            #expect(cut.finish == .truncated)
        }
    }

    @Test(arguments: Flavour.allCases)
    func emptyReplyIsAnEmptyAnswerNotAnError(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(.text("", outputTokens: 2), .text("", outputTokens: 2))
            for (response, _) in try await bothWays(try harness.provider(server)) {
                #expect(response.text == "")
                #expect(response.reasoning == nil)
                #expect(response.finish == .complete)
                #expect(response.usage == TokenUsage(inputTokens: 21, outputTokens: 2))
            }
        }
    }

    /// The refusal each API has: OpenAI `message.refusal`, Anthropic `stop_reason: "refusal"`,
    /// Gemini a blocked prompt (`promptFeedback.blockReason`, no candidates). Ollama has none.
    @Test(arguments: Flavour.allCases.filter { $0 != .ollama })
    func refusalIsARefusedAnswerWithItsUsage(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let refusal = flavour == .gemini ? "PROHIBITED_CONTENT" : "I can't help with that."
        try await FakeModelServer.with(format: flavour.format) { server in
            let reply = FakeModelServer.Reply(text: "", inputTokens: 120, outputTokens: 9, refusal: refusal)
            server.enqueue(.reply(reply), .reply(reply))
            for (response, pieces) in try await bothWays(try harness.provider(server), chatRequest()) {
                #expect(response.finish == .refused)
                #expect(response.text == "")
                #expect(pieces.joined() == "")
                switch flavour {
                case .openAI, .openAICompatible:
                    #expect(response.refusal == refusal)
                    #expect(response.usage == TokenUsage(inputTokens: 120, outputTokens: 9))
                case .anthropic:
                    #expect(response.finishReason == "refusal")
                    #expect(response.usage == TokenUsage(inputTokens: 120, outputTokens: 9))
                case .gemini:
                    #expect(response.finishReason == "PROHIBITED_CONTENT")
                    #expect(response.refusal == "Gemini blocked the prompt (PROHIBITED_CONTENT)")
                    #expect(response.usage == TokenUsage(inputTokens: 120, outputTokens: 0))
                case .ollama:
                    Issue.record("Ollama has no refusal")
                }
            }
            #expect(server.requests.count == 2)
        }
    }

    /// A filter that stops the reply: OpenAI `content_filter`, Anthropic `refusal` (its streaming
    /// classifier, after some text), Gemini `SAFETY` with no content.
    @Test(arguments: Flavour.allCases.filter { $0 != .ollama })
    func replyStoppedByAFilterIsRefused(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        let reason = ["openai": "content_filter", "anthropic": "refusal", "gemini": "SAFETY"][flavour.format.rawValue]
        let partial = flavour == .anthropic ? "Sure, here is how" : ""
        try await FakeModelServer.with(format: flavour.format) { server in
            server.enqueue(
                .text(partial, outputTokens: 5, finishReason: reason),
                .text(partial, chunks: 2, outputTokens: 5, finishReason: reason))
            for (response, _) in try await bothWays(try harness.provider(server)) {
                #expect(response.finish == .refused)
                #expect(response.finishReason == reason)
                #expect(response.text == partial)
                #expect(response.usage == TokenUsage(inputTokens: 21, outputTokens: 5))
                if flavour == .gemini { #expect(response.refusal == "Gemini stopped the reply (SAFETY)") }
            }
        }
    }
}
