import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// A request laid out as the engine lays it out: the system message, then a user message whose
/// tools and memory come before what changes every turn, with the three breakpoints.
func cachedRequest(agent: String = "manager", tick: Int = 1, inbox: String = "New: ship it.") -> ChatRequest {
    let system = "You are \(agent). The contract of the org, the role, the reply shape."
    let tools = "## Tools you may call\n- file_read: Reads a file.\n\n"
    let memory = "## Memory (1 key)\n- plan: ship\n\n"
    let user =
        tools + memory + "## This turn\nTick \(tick).\n\n## New messages\n\(inbox)\n\nAnswer with one JSON object."
    return ChatRequest(
        agent: agent, tick: tick, modelKey: "m", model: "test-model",
        messages: [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: user)],
        cacheBreakpoints: [
            PromptBreakpoint(message: 0, offset: system.utf8.count, stability: .agent),
            PromptBreakpoint(message: 1, offset: tools.utf8.count, stability: .agent),
            PromptBreakpoint(message: 1, offset: tools.utf8.count + memory.utf8.count, stability: .memory),
        ],
        temperature: 0.25, maxTokens: 512, responseSchema: ["type": "object"])
}

@Suite(.timeLimit(.minutes(1)))
struct PromptCachingTests {
    /// The body of one call of `flavour`'s provider, with `extra` entry fields, for `request`.
    func sentBody(
        _ flavour: Flavour, _ extra: JSONObject = [:], request: ChatRequest = cachedRequest()
    ) async throws -> JSONValue {
        let harness = ProviderHarness(flavour)
        return try await FakeModelServer.with(format: flavour.format) { server in
            _ = try await harness.provider(server, extra).complete(request)
            return try #require(server.requests.first?.body)
        }
    }

    // MARK: - Anthropic: cache_control breakpoints

    @Test func anthropicMarksTheEndOfTheSystemTheToolsAndTheMemory() async throws {
        let request = cachedRequest()
        let body = try await sentBody(.anthropic, request: request)
        let ephemeral: JSONValue = ["type": "ephemeral"]
        let system = try #require(body["system"]?.arrayValue)
        #expect(system.count == 1)
        #expect(system[0]["text"]?.stringValue == request.messages[0].content)
        #expect(system[0]["cache_control"] == ephemeral)
        let blocks = try #require(body["messages"]?.arrayValue?.first?["content"]?.arrayValue)
        #expect(blocks.count == 3)
        #expect(blocks.map { $0["cache_control"] } == [ephemeral, ephemeral, nil])
        #expect(blocks.compactMap { $0["text"]?.stringValue }.joined() == request.messages[1].content)
        #expect(blocks[0]["text"]?.stringValue?.hasPrefix("## Tools") == true)
        #expect(blocks[1]["text"]?.stringValue?.hasPrefix("## Memory") == true)
        #expect(blocks[2]["text"]?.stringValue?.hasPrefix("## This turn\nTick 1.") == true)
        // The forced reply tool is unchanged (and constant: it sits before every breakpoint).
        #expect(body["tools"]?.arrayValue?.first?["cache_control"] == nil)
    }

    @Test func anthropicSendsTheConfiguredTTLAndAtMostFourBreakpoints() async throws {
        var request = cachedRequest()
        // Six breakpoints: only the last four are marked (Anthropic refuses more).
        let user = request.messages[1].content.utf8.count
        request.cacheBreakpoints += [
            PromptBreakpoint(message: 1, offset: user - 10, stability: .memory),
            PromptBreakpoint(message: 1, offset: user - 5, stability: .memory),
        ]
        let body = try await sentBody(.anthropic, ["options": ["cache_ttl": "1h"]], request: request)
        let hour: JSONValue = ["type": "ephemeral", "ttl": "1h"]
        let system = body["system"]?.arrayValue ?? []
        let blocks = body["messages"]?.arrayValue?.first?["content"]?.arrayValue ?? []
        let marks = (system + blocks).compactMap { $0["cache_control"] }
        #expect(marks == [hour, hour, hour, hour])
        #expect(system.first?["cache_control"] == nil)
        #expect(blocks.compactMap { $0["text"]?.stringValue }.joined() == request.messages[1].content)
    }

    @Test func anthropicSendsPlainStringsWhenCachingIsOffOrNothingIsMarked() async throws {
        let off: JSONObject = ["options": ["cache_control": false]]
        let cases: [(JSONObject, ChatRequest)] = [(off, cachedRequest()), (JSONObject(), chatRequest())]
        for (extra, request) in cases {
            let body = try await sentBody(.anthropic, extra, request: request)
            #expect(body["system"]?.stringValue == request.messages[0].content)
            #expect(body["messages"]?.arrayValue?.first?["content"]?.stringValue == request.messages[1].content)
        }
    }

    // MARK: - OpenAI: prompt_cache_key

    @Test func openAISendsAStableCacheKeyPerAgent() async throws {
        let harness = ProviderHarness(.openAI)
        try await FakeModelServer.with(format: .openAI) { server in
            let provider = try harness.provider(server)
            _ = try await provider.complete(cachedRequest(agent: "manager", tick: 1))
            _ = try await provider.complete(cachedRequest(agent: "manager", tick: 2, inbox: "Other news."))
            _ = try await provider.complete(cachedRequest(agent: "coder", tick: 2))
            let keys = server.requests.map { $0.body?["prompt_cache_key"]?.stringValue }
            #expect(keys[0] != nil)
            #expect(keys[0] == keys[1])
            #expect(keys[2] != keys[0])
            #expect(keys[0]?.hasSuffix("/manager") == true)
            #expect(keys[2]?.hasSuffix("/coder") == true)
            // Nothing else is sent unless configured.
            #expect(server.requests.allSatisfy { $0.body?["prompt_cache_retention"] == nil })
            #expect(server.requests.allSatisfy { $0.body?["cache_prompt"] == nil })
        }
    }

    @Test func openAISendsTheConfiguredPrefixAndRetention() async throws {
        let body = try await sentBody(
            .openAI, ["options": ["prompt_cache_key": "acme", "prompt_cache_retention": "24h"]])
        #expect(body["prompt_cache_key"] == "acme/manager")
        #expect(body["prompt_cache_retention"] == "24h")
        let off = try await sentBody(.openAI, ["options": ["prompt_cache_key": false]])
        #expect(off["prompt_cache_key"] == nil)
    }

    @Test func anOpenAICompatibleServerGetsCacheFieldsOnlyWhenConfigured() async throws {
        let plain = try await sentBody(.openAICompatible)
        #expect(plain["prompt_cache_key"] == nil)
        #expect(plain["cache_prompt"] == nil)
        let llama = try await sentBody(
            .openAICompatible, ["options": ["cache_prompt": true, "prompt_cache_key": true]])
        #expect(llama["cache_prompt"] == true)
        #expect(llama["prompt_cache_key"]?.stringValue?.hasSuffix("/manager") == true)
    }

    // MARK: - Ollama: keep_alive; Gemini: system instruction first

    @Test func ollamaKeepsTheModelLoaded() async throws {
        let byDefault = try await sentBody(.ollama)
        #expect(byDefault["keep_alive"] == "30m")
        let set = try await sentBody(.ollama, ["options": ["keep_alive": 3600, "num_ctx": 8192]])
        #expect(set["keep_alive"] == 3600)
        #expect(set["options"]?["keep_alive"] == nil)
        #expect(set["options"]?["num_ctx"] == 8192)
        let server = try await sentBody(.ollama, ["options": ["keep_alive": .null]])
        #expect(server["keep_alive"] == nil)
    }

    @Test func geminiPutsTheStableSystemInstructionFirstAndTheUserMessageWhole() async throws {
        let request = cachedRequest()
        let body = try await sentBody(.gemini, request: request)
        #expect(body.objectValue?.keys.first == "systemInstruction")
        #expect(
            body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"]?.stringValue == request.messages[0].content)
        #expect(
            body["contents"]?.arrayValue?.first?["parts"]?.arrayValue?.first?["text"]?.stringValue
                == request.messages[1].content)
    }

    // MARK: - Gemini: explicit cached contents

    @Test func geminiCachesTheStablePrefixExplicitlyAndReusesIt() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            let provider = try harness.provider(
                server, ["options": ["cached_content": true, "cached_content_min_tokens": 0]])
            let request = cachedRequest(tick: 1)
            let first = try await provider.complete(request)
            let second = try await provider.complete(cachedRequest(tick: 2, inbox: "Other news."))
            #expect(
                server.requests.map(\.path) == [
                    "/v1beta/cachedContents", "/v1beta/models/test-model:generateContent",
                    "/v1beta/models/test-model:generateContent",
                ])
            let create = try #require(server.requests.first?.body)
            let tools = "## Tools you may call\n- file_read: Reads a file.\n\n"
            #expect(create["model"] == "models/test-model")
            #expect(create["ttl"] == "3600s")
            #expect(
                create["systemInstruction"]?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue } == [
                    request.messages[0].content, tools,
                ])
            for call in server.requests.dropFirst() {
                let body = try #require(call.body)
                #expect(body["cachedContent"] == "cachedContents/fake-1")
                #expect(body["systemInstruction"] == nil)
                let text = body["contents"]?.arrayValue?.first?["parts"]?.arrayValue?.first?["text"]?.stringValue
                #expect(text?.hasPrefix("## Memory") == true)
            }
            let cached = TokenEstimator.tokens(in: request.messages[0].content + tools)
            #expect(first.usage?.cacheReadTokens == cached)
            #expect(second.usage?.cacheReadTokens == cached)
        }
    }

    @Test func aGeminiCacheThatIsGoneIsDroppedForTheCallAndMadeAgain() async throws {
        let harness = ProviderHarness(.gemini)
        try await FakeModelServer.with(format: .gemini) { server in
            let provider = try harness.provider(
                server, ["options": ["cached_content": true, "cached_content_min_tokens": 0]])
            _ = try await provider.complete(cachedRequest(tick: 1))
            server.deleteCachedContent("cachedContents/fake-1")
            let answer = try await provider.complete(cachedRequest(tick: 2))
            #expect(answer.text == "ok")
            let afterDeletion = server.requests.suffix(2).compactMap(\.body)
            #expect(afterDeletion.first?["cachedContent"] == "cachedContents/fake-1")
            #expect(afterDeletion.last?["cachedContent"] == nil)
            #expect(afterDeletion.last?["systemInstruction"] != nil)
            _ = try await provider.complete(cachedRequest(tick: 3))
            #expect(server.cachedContents.keys.sorted() == ["cachedContents/fake-2"])
            #expect(server.requests.last?.body?["cachedContent"] == "cachedContents/fake-2")
        }
    }

    @Test func geminiMakesNoExplicitCacheUnlessAskedOrForASmallPrefix() async throws {
        for extra in [[:], ["options": ["cached_content": true]]] as [JSONObject] {
            let harness = ProviderHarness(.gemini)
            try await FakeModelServer.with(format: .gemini) { server in
                _ = try await harness.provider(server, extra).complete(cachedRequest())
                #expect(server.requests.map(\.path) == ["/v1beta/models/test-model:generateContent"])
                #expect(server.requests.first?.body?["cachedContent"] == nil)
            }
        }
    }

    // MARK: - Usage: the cache counts of each format, whole and streamed

    @Test(arguments: Flavour.allCases)
    func theCacheCountsAreDecodedWholeAndStreamed(flavour: Flavour) async throws {
        let harness = ProviderHarness(flavour)
        try await FakeModelServer.with(format: flavour.format) { server in
            let reply = FakeModelServer.Reply(
                text: #"{"notes": "ok"}"#, chunks: 2, inputTokens: 1_000, outputTokens: 20, cacheReadTokens: 600,
                cacheWriteTokens: flavour == .gemini ? nil : 300)
            server.enqueue(.reply(reply), .reply(reply))
            let provider = try harness.provider(server, ["options": ["stream": true]])
            let whole = try await provider.complete(chatRequest())
            let streamed = try await provider.stream(chatRequest()) { _ in }
            let expected: TokenUsage
            switch flavour {
            case .openAI, .openAICompatible, .anthropic:
                expected = TokenUsage(inputTokens: 1_000, outputTokens: 20, cacheReadTokens: 600, cacheWriteTokens: 300)
            case .gemini:
                expected = TokenUsage(inputTokens: 1_000, outputTokens: 20, cacheReadTokens: 600)
            case .ollama:
                // Ollama reports no cache counts: unknown, not 0.
                expected = TokenUsage(inputTokens: 1_000, outputTokens: 20)
            }
            #expect(whole.usage == expected)
            #expect(streamed.usage == expected)
        }
    }

    @Test func llamaCppsReusedTokensAreReadFromItsTimings() throws {
        let format = OpenAIFormat(provider: "openai_compatible")
        let body: JSONValue = [
            "choices": [["message": ["content": "ok"], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 900, "completion_tokens": 5],
            "timings": ["cache_n": 850, "prompt_n": 50, "predicted_n": 5],
        ]
        #expect(try format.parse(body).usage == TokenUsage(inputTokens: 900, outputTokens: 5, cacheReadTokens: 850))
        // The details win over the timings when both are there.
        var both = body.objectValue ?? [:]
        both["usage"] = ["prompt_tokens": 900, "completion_tokens": 5, "prompt_tokens_details": ["cached_tokens": 800]]
        #expect(try format.parse(.object(both)).usage?.cacheReadTokens == 800)
    }

    @Test func anthropicsStreamedCountsAreCumulativeAndTheLastWins() throws {
        var decoder = AnthropicFormat().makeStreamDecoder()
        let events = [
            #"{"type":"message_start","message":{"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":900,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":10,"cache_read_input_tokens":900,"output_tokens":7}}"#,
            #"{"type":"message_stop"}"#,
        ]
        for event in events { _ = try decoder.feed(Array(("data: " + event + "\n\n").utf8)) }
        let response = try decoder.finish()
        #expect(
            response.usage == TokenUsage(inputTokens: 910, outputTokens: 7, cacheReadTokens: 900, cacheWriteTokens: 0))
    }

    // MARK: - The simulated cache of the fake servers

    @Test func theFakeAnthropicServerReadsWhatAnEarlierCallWrote() async throws {
        let harness = ProviderHarness(.anthropic)
        try await FakeModelServer.with(format: .anthropic) { server in
            server.simulatePrefixCache(PrefixCacheSimulator(mode: .breakpoints))
            let provider = try harness.provider(server)
            let first = try await provider.complete(cachedRequest(tick: 1))
            let second = try await provider.complete(cachedRequest(tick: 2, inbox: "Something else entirely."))
            let bodies = server.requests.compactMap(\.body)
            let prefix = FakeModelServer.anthropicCachedPrefix(of: try #require(bodies.first))
            #expect(prefix == FakeModelServer.anthropicCachedPrefix(of: try #require(bodies.last)))
            // The prefix ends with the memory, where the request's last breakpoint is.
            #expect(prefix.hasSuffix("## Memory (1 key)\n- plan: ship\n\n"))
            let stable = TokenEstimator.tokens(in: prefix)
            #expect(first.usage?.cacheReadTokens == 0)
            #expect(first.usage?.cacheWriteTokens == stable)
            #expect(second.usage?.cacheReadTokens == stable)
            #expect(second.usage?.cacheWriteTokens == 0)
        }
    }
}
