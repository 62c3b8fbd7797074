import LemmingJSON

/// One message of a chat request.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system
        case user
        case assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public var json: JSONValue { ["role": .string(role.rawValue), "content": .string(content)] }
}

/// Tokens used by a call, as the provider reported them (or as estimated when it did not).
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// The provider reported nothing; the numbers come from ``TokenEstimator``.
    public var isEstimated: Bool

    public init(inputTokens: Int, outputTokens: Int, isEstimated: Bool = false) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.isEstimated = isEstimated
    }

    public static let zero = TokenUsage(inputTokens: 0, outputTokens: 0)

    public var json: JSONValue {
        ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens), "estimated": .bool(isEstimated)]
    }
}

/// What the engine knows about the turn, for providers that simulate agents offline.
///
/// Network providers ignore it; the `scripted` simulation answers from it.
public struct TurnContext: Sendable, Equatable {
    public var agent: String
    public var tick: Int
    public var inbox: [OutboxEntry]
    /// Agents that read this agent (`human` included).
    public var readers: [String]
}

/// A chat request to a model (DESIGN §6).
public struct ChatRequest: Sendable, Equatable {
    public var agent: String
    public var tick: Int
    /// The registry key (`models.json`).
    public var modelKey: String
    /// The provider-side model id.
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double
    public var maxTokens: Int
    /// The JSON Schema the reply should follow, for providers with structured output.
    public var responseSchema: JSONValue?
    /// The most bytes of visible text the engine accepts (`limits.max_reply_bytes`): a streamed
    /// reply that passes it is not read further and fails with ``ProviderError/Code/replyTooLarge``.
    /// `nil`: only the provider's own cap on a response applies.
    public var maxReplyBytes: Int?
    public var context: TurnContext?

    public init(
        agent: String,
        tick: Int,
        modelKey: String,
        model: String,
        messages: [ChatMessage],
        temperature: Double,
        maxTokens: Int,
        responseSchema: JSONValue? = nil,
        maxReplyBytes: Int? = nil,
        context: TurnContext? = nil
    ) {
        self.agent = agent
        self.tick = tick
        self.modelKey = modelKey
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.responseSchema = responseSchema
        self.maxReplyBytes = maxReplyBytes
        self.context = context
    }
}

/// A model's answer.
///
/// A provider returns a response, not an error, whenever the model answered, even when the answer
/// is unusable (cut off, refused, empty): the tokens were spent and are charged, and the engine
/// decides what the turn's outcome is from ``finish``, ``text`` and ``refusal``.
public struct ChatResponse: Sendable, Equatable {
    /// Why the model stopped, in the engine's terms (each provider maps its own vocabulary).
    public enum Finish: String, Sendable, Equatable {
        /// It finished its answer (OpenAI `stop`, Anthropic `end_turn`, Gemini `STOP`, Ollama `stop`),
        /// or the provider did not say.
        case complete
        /// It hit the token limit (OpenAI and Ollama `length`, Anthropic `max_tokens`, Gemini
        /// `MAX_TOKENS`): the text is cut off.
        case truncated
        /// A safety filter withheld or stopped the answer, or the model refused (OpenAI
        /// `content_filter` or `message.refusal`, Anthropic `refusal`, Gemini `SAFETY`,
        /// `RECITATION`, `PROHIBITED_CONTENT`, a `promptFeedback.blockReason`).
        case refused
    }

    /// The answer's text: only the visible content, never the model's reasoning. May be empty.
    public var text: String
    public var usage: TokenUsage?
    /// `stop`, `length`, … as the provider says; `nil` when it says nothing.
    public var finishReason: String?
    /// ``finishReason`` in the engine's terms.
    public var finish: Finish
    /// What a reasoning model thought before answering (`reasoning_content`, `reasoning`,
    /// Anthropic `thinking` blocks, Gemini thought parts), kept for the turn record; never parsed as
    /// the reply.
    public var reasoning: String?
    /// The provider's explanation when it refused or filtered the answer, if it gave one.
    public var refusal: String?
    /// The registry key of the model that answered, when a fallback model did (`nil`: the one asked).
    public var servedBy: String?

    public init(
        text: String,
        usage: TokenUsage? = nil,
        finishReason: String? = nil,
        finish: Finish = .complete,
        reasoning: String? = nil,
        refusal: String? = nil,
        servedBy: String? = nil
    ) {
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
        self.finish = finish
        self.reasoning = reasoning
        self.refusal = refusal
        self.servedBy = servedBy
    }
}

/// A failed model call: the provider could not get an answer. Its message never contains a secret.
///
/// A model that answered, even with nothing usable, is a ``ChatResponse``, not an error.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let timeout = Code("timeout")
        public static let process = Code("process")
        public static let emptyReply = Code("empty_reply")
        public static let invalidResponse = Code("invalid_response")
        public static let configuration = Code("configuration")
        public static let http = Code("http")
        public static let connection = Code("connection")
        public static let circuitOpen = Code("circuit_open")
        /// The response passed a size cap (`limits.max_reply_bytes` while streaming, or the
        /// provider's cap on a whole response body); reading stopped there.
        public static let replyTooLarge = Code("reply_too_large")
        /// The endpoint asked callers to wait (HTTP 429, or 503 with `Retry-After`) for longer
        /// than a call may wait; the call was not made, or not made again.
        public static let rateLimited = Code("rate_limited")
    }

    public var code: Code
    public var message: String
    /// Tokens the provider reported (or that were estimated) before failing; the only part of a
    /// failed call that is charged.
    public var usage: TokenUsage?
    /// The HTTP status, for failures that had one.
    public var httpStatus: Int?
    /// How long the server asked us to wait (`Retry-After`, `retry-after-ms`,
    /// `x-ratelimit-reset-*`).
    public var retryAfter: Duration?

    public init(
        _ code: Code, _ message: String, usage: TokenUsage? = nil, httpStatus: Int? = nil,
        retryAfter: Duration? = nil
    ) {
        self.code = code
        self.message = message
        self.usage = usage
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    /// Whether trying again may succeed: connection errors, timeouts, 408, 409, 429 and 5xx.
    public var isRetryable: Bool {
        if let httpStatus { return [408, 409, 429].contains(httpStatus) || (500...599).contains(httpStatus) }
        return code == .connection || code == .timeout
    }

    /// Whether the endpoint is pushing back rather than failing: HTTP 429, or 503 with a
    /// `Retry-After`. Backpressure is waited out; it does not count against the endpoint's
    /// circuit breaker.
    public var isBackpressure: Bool {
        httpStatus == 429 || (httpStatus == 503 && retryAfter != nil)
    }

    public var description: String { "\(code): \(message)" }
}

/// A language model behind one registry entry.
public protocol ModelProvider: Sendable {
    /// Sends one request and waits for the whole reply.
    ///
    /// - Throws: ``ProviderError`` for every failure (the turn fails, the tick goes on).
    func complete(_ request: ChatRequest) async throws -> ChatResponse

    /// Sends one request and receives the reply as it is generated.
    ///
    /// - Parameter onText: called with each piece of text, in order, as it arrives.
    /// - Returns: the whole reply, as ``complete(_:)`` would.
    func stream(_ request: ChatRequest, onText: @escaping @Sendable (String) async -> Void) async throws -> ChatResponse
}

extension ModelProvider {
    /// Providers without a streaming API deliver the whole reply as one piece.
    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        let response = try await complete(request)
        await onText(response.text)
        return response
    }
}

/// The health of one provider endpoint, as its circuit breaker sees it.
public struct ProviderHealth: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Calls go through.
        case closed
        /// Calls fail at once until `retryAt`.
        case open
        /// One probe call is allowed; its outcome closes or reopens the circuit.
        case halfOpen = "half_open"
    }

    /// Where calls go (`https://api.openai.com/v1`), never with a key.
    public var endpoint: String
    public var state: State
    public var consecutiveFailures: Int
    public var retryAt: String?
    public var lastError: String?

    public init(
        endpoint: String, state: State, consecutiveFailures: Int, retryAt: String? = nil, lastError: String? = nil
    ) {
        self.endpoint = endpoint
        self.state = state
        self.consecutiveFailures = consecutiveFailures
        self.retryAt = retryAt
        self.lastError = lastError
    }

    public var json: JSONValue {
        [
            "endpoint": .string(endpoint), "state": .string(state.rawValue),
            "consecutive_failures": .int(consecutiveFailures), "retry_at": .optional(retryAt),
            "last_error": .optional(lastError),
        ]
    }

    public init?(json value: JSONValue) {
        guard let endpoint = value["endpoint"]?.stringValue,
            let state = value["state"]?.stringValue.flatMap(State.init(rawValue:))
        else { return nil }
        self.init(
            endpoint: endpoint, state: state, consecutiveFailures: value["consecutive_failures"]?.intValue ?? 0,
            retryAt: value["retry_at"]?.stringValue, lastError: value["last_error"]?.stringValue)
    }
}

/// Makes providers for registry entries; the composition root passes one to the engine.
public protocol ModelProviderFactory: Sendable {
    /// A provider for `entry` (with its fallback chain, resolved in `registry`).
    ///
    /// - Throws: ``LemmingError`` naming the `models.json` field that is wrong.
    func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider

    /// The endpoints' circuit breakers, for `lemming status` (empty for offline providers).
    var health: [ProviderHealth] { get }
}

extension ModelProviderFactory {
    public var health: [ProviderHealth] { [] }
}

/// Token counts estimated from text length (about four bytes a token), for budgets and for
/// providers that report no usage.
public enum TokenEstimator {
    public static func tokens(in text: String) -> Int { (text.utf8.count + 3) / 4 }

    public static func tokens(in messages: [ChatMessage]) -> Int {
        messages.reduce(0) { $0 + tokens(in: $1.content) + 4 }
    }
}
