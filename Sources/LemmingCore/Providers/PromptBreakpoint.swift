/// Where a stable prefix of a request's prompt ends: everything before it is the same, byte for
/// byte, on the agent's next turn unless what it depends on changes. Providers that cache prompt
/// prefixes cache there (Anthropic `cache_control` blocks, Gemini cached contents); those that
/// match prefixes on their own (OpenAI, llama.cpp, Ollama) need only the layout.
///
/// A breakpoint is plain data: the index of a message of ``ChatRequest/messages`` and a UTF-8
/// byte offset into its `content` (always at a line boundary, never inside a character), so a wire
/// format can split the content there into blocks or parts whose concatenation is the content.
public struct PromptBreakpoint: Sendable, Equatable {
    /// What the prefix before a breakpoint depends on, from the most to the least stable.
    public enum Stability: String, Sendable, Equatable, Comparable {
        /// The engine's contract, the agent's role and its tools: changes only with the resume,
        /// the org graph, the config or the tools available.
        case agent
        /// The agent's memory, after the above: changes when the agent updates its memory.
        case memory

        /// `agent` is more stable than `memory`.
        public static func < (lhs: Stability, rhs: Stability) -> Bool {
            lhs == .agent && rhs == .memory
        }
    }

    /// The index of the message in ``ChatRequest/messages``.
    public var message: Int
    /// The UTF-8 byte offset into the message's content where the stable prefix ends (the content's
    /// UTF-8 length: the whole message).
    public var offset: Int
    /// What the prefix before the breakpoint depends on.
    public var stability: Stability

    /// A breakpoint at byte `offset` of message `message`.
    public init(message: Int, offset: Int, stability: Stability) {
        self.message = message
        self.offset = offset
        self.stability = stability
    }
}

extension ChatRequest {
    /// One message's content cut at its breakpoints: pieces whose concatenation is the content, each
    /// with the breakpoint it ends at (`nil` for the last piece when no breakpoint ends there).
    /// Empty pieces are left out; breakpoints outside the content are ignored.
    public func pieces(ofMessage index: Int) -> [(text: String, breakpoint: PromptBreakpoint?)] {
        guard messages.indices.contains(index) else { return [] }
        let utf8 = Array(messages[index].content.utf8)
        var pieces: [(String, PromptBreakpoint?)] = []
        var start = 0
        for breakpoint in cacheBreakpoints where breakpoint.message == index {
            guard breakpoint.offset > start, breakpoint.offset <= utf8.count else { continue }
            pieces.append((String(decoding: utf8[start..<breakpoint.offset], as: UTF8.self), breakpoint))
            start = breakpoint.offset
        }
        if start < utf8.count { pieces.append((String(decoding: utf8[start...], as: UTF8.self), nil)) }
        return pieces
    }

    /// The last breakpoint at most as volatile as `stability`, `nil` when there is none.
    public func lastBreakpoint(through stability: PromptBreakpoint.Stability) -> PromptBreakpoint? {
        cacheBreakpoints.last { $0.stability <= stability }
    }

    /// The estimated tokens of the prompt before the last breakpoint (0 without breakpoints): the
    /// part a provider may cache.
    public var cacheablePrefixTokens: Int {
        guard let last = cacheBreakpoints.last, messages.indices.contains(last.message) else { return 0 }
        let whole = messages[..<last.message].reduce(0) { $0 + TokenEstimator.tokens(in: $1.content) + 4 }
        return whole + (min(last.offset, messages[last.message].content.utf8.count) + 3) / 4 + 4
    }
}
