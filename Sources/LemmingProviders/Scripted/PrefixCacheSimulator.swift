import LemmingCore
import Synchronization

/// A provider's prompt cache, simulated by matching prompt prefixes as text: for the fake servers
/// of the tests and for the caching benchmark. Tokens are estimated (``TokenEstimator``: four UTF-8
/// bytes a token), not counted by a tokenizer, and nothing expires.
///
/// Two behaviours, after the real ones:
/// - ``Mode/breakpoints``: Anthropic's. A prompt is a list of blocks in cache order (tools,
///   system, messages), some marked; the prefix through each marked block is an entry. A call reads
///   the longest marked prefix already cached and writes the prefix through its last mark when
///   that one is not cached yet (the tokens between the read and the last mark); every marked
///   prefix is cached afterwards. Prefixes shorter than the minimum are neither read nor written.
/// - ``Mode/longestPrefix``: OpenAI's and Gemini's implicit caching. The cached tokens are the
///   longest common prefix with the last prompt sent under the same key (the `prompt_cache_key`),
///   when it reaches the minimum; nothing is reported written.
public final class PrefixCacheSimulator: Sendable {
    public enum Mode: Sendable, Equatable {
        case breakpoints
        case longestPrefix
    }

    /// What a call read and wrote, in estimated tokens.
    public struct Usage: Sendable, Equatable {
        /// The whole prompt.
        public var inputTokens: Int
        public var cacheReadTokens: Int
        public var cacheWriteTokens: Int
    }

    public let mode: Mode
    /// The smallest prefix the provider caches (Anthropic 1,024 to 4,096 by model; OpenAI 1,024).
    public let minimumTokens: Int
    private struct State {
        var cached: Set<String> = []
        var lastPrompt: [String: [UInt8]] = [:]
    }

    private let state = Mutex(State())

    public init(mode: Mode, minimumTokens: Int = 0) {
        self.mode = mode
        self.minimumTokens = minimumTokens
    }

    /// The usage of a prompt of `blocks` (in cache order; `marked`: a breakpoint ends the block),
    /// sent under `key` (``Mode/longestPrefix`` only), and remembers it.
    public func call(_ blocks: [(text: String, marked: Bool)], key: String = "") -> Usage {
        let whole = blocks.map(\.text).joined()
        let total = TokenEstimator.tokens(in: whole)
        switch mode {
        case .breakpoints:
            var prefix = ""
            var marked: [(text: String, tokens: Int)] = []
            for block in blocks {
                prefix += block.text
                let tokens = TokenEstimator.tokens(in: prefix)
                if block.marked, tokens >= minimumTokens { marked.append((prefix, tokens)) }
            }
            return state.withLock { state in
                let read = marked.last { state.cached.contains($0.text) }?.tokens ?? 0
                let last = marked.last
                let written = last.map { state.cached.contains($0.text) ? 0 : $0.tokens - read } ?? 0
                for entry in marked { state.cached.insert(entry.text) }
                return Usage(inputTokens: total, cacheReadTokens: read, cacheWriteTokens: written)
            }
        case .longestPrefix:
            let bytes = Array(whole.utf8)
            return state.withLock { state in
                let previous = state.lastPrompt[key] ?? []
                var common = 0
                while common < min(bytes.count, previous.count), bytes[common] == previous[common] { common += 1 }
                state.lastPrompt[key] = bytes
                let tokens = common / 4
                return Usage(
                    inputTokens: total, cacheReadTokens: tokens >= max(minimumTokens, 1) ? tokens : 0,
                    cacheWriteTokens: 0)
            }
        }
    }
}
