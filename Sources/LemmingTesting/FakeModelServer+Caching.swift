import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingProviders

extension FakeModelServer {
    /// Simulates the provider's prompt cache from now on (`nil`: off): every `.reply` then reports
    /// the whole prompt's estimated tokens as its input and the simulator's reads and writes as its
    /// cache counts, from the request body as the real API reads it: Anthropic's `cache_control`
    /// blocks in cache order (tools, system, messages) with ``PrefixCacheSimulator/Mode/breakpoints``;
    /// OpenAI's messages under the request's `prompt_cache_key`, Gemini's system instruction and
    /// contents under the model, and Ollama's messages, with
    /// ``PrefixCacheSimulator/Mode/longestPrefix`` (Ollama reports no counts, as the real one).
    public func simulatePrefixCache(_ simulator: PrefixCacheSimulator?) {
        state.withLock { $0.prefixCache = simulator }
    }

    /// Gemini's explicit caches created so far, by name, with the text they hold.
    public var cachedContents: [String: String] { state.withLock { $0.cachedContents } }

    /// Deletes a Gemini explicit cache, as its expiry would: calls naming it are answered 404.
    public func deleteCachedContent(_ name: String) {
        _ = state.withLock { $0.cachedContents.removeValue(forKey: name) }
    }

    /// The text of an Anthropic request body's blocks in cache order (tools, system, messages) up
    /// to and with the last one marked `cache_control`: what the simulated cache keys its longest
    /// entry on (empty when nothing is marked).
    public static func anthropicCachedPrefix(of body: JSONValue) -> String {
        let blocks = WireCall.anthropicBlocks(body)
        let last = blocks.lastIndex { $0.marked } ?? -1
        return blocks.prefix(last + 1).map(\.text).joined()
    }
}

extension WireCall {
    /// `reply` with the input and cache counts the simulator gives this request.
    func cached(_ reply: FakeModelServer.Reply, by simulator: PrefixCacheSimulator) -> FakeModelServer.Reply {
        let body = self.body ?? .object(JSONObject())
        let usage: PrefixCacheSimulator.Usage
        switch format {
        case .anthropic: usage = simulator.call(Self.anthropicBlocks(body))
        case .openAI:
            usage = simulator.call(
                Self.texts(body["messages"]).map { ($0, false) }, key: body["prompt_cache_key"]?.stringValue ?? "")
        case .gemini:
            let system = body["systemInstruction"].map { Self.geminiTexts($0) } ?? []
            let contents = (body["contents"]?.arrayValue ?? []).flatMap { Self.geminiTexts($0) }
            usage = simulator.call((system + contents).map { ($0, false) }, key: model)
        case .ollama: usage = simulator.call(Self.texts(body["messages"]).map { ($0, false) }, key: model)
        }
        var reply = reply
        reply.inputTokens = usage.inputTokens
        guard format != .ollama else { return reply }
        reply.cacheReadTokens = usage.cacheReadTokens
        if format == .anthropic { reply.cacheWriteTokens = usage.cacheWriteTokens }
        return reply
    }

    /// Anthropic's blocks in cache order: each tool, the system blocks, the messages' blocks.
    static func anthropicBlocks(_ body: JSONValue) -> [(text: String, marked: Bool)] {
        func blocks(_ value: JSONValue?) -> [(text: String, marked: Bool)] {
            if let text = value?.stringValue { return [(text, false)] }
            return (value?.arrayValue ?? []).map { block in
                (block["text"]?.stringValue ?? JSONWriter(style: .compact).string(block), block["cache_control"] != nil)
            }
        }
        let tools = (body["tools"]?.arrayValue ?? []).map { tool in
            (text: JSONWriter(style: .compact).string(tool), marked: tool["cache_control"] != nil)
        }
        let messages = (body["messages"]?.arrayValue ?? []).flatMap { blocks($0["content"]) }
        return tools + blocks(body["system"]) + messages
    }

    /// The text of each message of an OpenAI or Ollama `messages` array.
    static func texts(_ messages: JSONValue?) -> [String] {
        (messages?.arrayValue ?? []).map { $0["content"]?.stringValue ?? "" }
    }

    /// The texts of a Gemini `Content`'s parts.
    static func geminiTexts(_ content: JSONValue) -> [String] {
        (content["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
    }
}

extension FakeModelServer.Script {
    /// `reply` with the cache counts of the simulated prefix cache and of a Gemini explicit cache
    /// the request names (its text counts as read from the cache).
    func cacheCounts(_ reply: FakeModelServer.Reply, call: WireCall) -> FakeModelServer.Reply {
        let (simulator, contents) = withLock { ($0.prefixCache, $0.cachedContents) }
        var reply = simulator.map { call.cached(reply, by: $0) } ?? reply
        if call.format == .gemini, let name = call.body?["cachedContent"]?.stringValue, let text = contents[name] {
            let cached = TokenEstimator.tokens(in: text)
            let rest = (call.body?["contents"]?.arrayValue ?? []).flatMap { WireCall.geminiTexts($0) }.joined()
            reply.inputTokens = cached + TokenEstimator.tokens(in: rest)
            reply.cacheReadTokens = cached
        }
        return reply
    }

    /// Gemini's `POST /v1beta/cachedContents` (a new cache named `cachedContents/fake-N`), and
    /// 404 for a call that names a cache that does not exist; `nil` for every other request.
    func answerCachedContents(_ request: FakeModelServer.RecordedRequest, format: FakeModelServer.Format) -> Response? {
        guard format == .gemini, request.method == "POST" else { return nil }
        let body = request.body ?? .object(JSONObject())
        if request.path == "/v1beta/cachedContents" {
            let text = (body["systemInstruction"].map { WireCall.geminiTexts($0) } ?? []).joined()
            let name = withLock { state in
                state.cachedContentsCreated += 1
                let name = "cachedContents/fake-\(state.cachedContentsCreated)"
                state.cachedContents[name] = text
                return name
            }
            return Wire.json(
                200,
                [
                    "name": .string(name), "model": body["model"] ?? .null,
                    "usageMetadata": ["totalTokenCount": .int(TokenEstimator.tokens(in: text))],
                    "expireTime": "2026-01-01T01:00:00Z",
                ])
        }
        if let name = body["cachedContent"]?.stringValue, withLock({ $0.cachedContents[name] }) == nil {
            let message = "CachedContent not found (or permission denied)"
            return Wire.json(404, Wire.errorBody(format: .gemini, status: 404, message: message))
        }
        return nil
    }
}
