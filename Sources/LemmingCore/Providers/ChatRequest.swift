import LemmingJSON

/// What the engine knows about the turn, for providers that simulate agents offline.
///
/// Network providers ignore it; the `scripted` simulation answers from it.
public struct TurnContext: Sendable, Equatable {
    /// The agent whose turn it is.
    public var agent: String
    /// The tick of the turn.
    public var tick: Int
    /// The entries the turn is shown, in inbox order.
    public var inbox: [OutboxEntry]
    /// Agents that read this agent (`human` included).
    public var readers: [String]
}

/// A chat request to a model (DESIGN §6).
public struct ChatRequest: Sendable, Equatable {
    /// The agent whose turn it is (for logs and recordings, not sent to the model).
    public var agent: String
    /// The tick of the turn.
    public var tick: Int
    /// The registry key (`models.json`).
    public var modelKey: String
    /// The provider-side model id.
    public var model: String
    /// The prompt: a system message, then a user message (``PromptBuilder``).
    public var messages: [ChatMessage]
    /// Where stable prefixes of ``messages`` end, in order (at most one per stability and message
    /// boundary; see ``PromptBreakpoint``). Empty: nothing is marked, and formats cache nothing
    /// explicitly. A hint for the provider only: it changes nothing the model reads, and is not
    /// part of a request's fingerprint.
    public var cacheBreakpoints: [PromptBreakpoint]
    /// Sampling temperature, 0…2 (the resume's `model.temperature`).
    public var temperature: Double
    /// The most output tokens (the resume's `model.max_tokens`).
    public var maxTokens: Int
    /// The JSON Schema the reply should follow, for providers with structured output.
    public var responseSchema: JSONValue?
    /// The most bytes of visible text the engine accepts (`limits.max_reply_bytes`): a streamed
    /// reply that passes it is not read further and fails with ``ProviderError/Code/replyTooLarge``.
    /// `nil`: only the provider's own cap on a response applies.
    public var maxReplyBytes: Int?
    /// The turn as the engine sees it, for offline simulations; `nil` outside the engine.
    public var context: TurnContext?

    /// A request; the optional parts default to none.
    public init(
        agent: String,
        tick: Int,
        modelKey: String,
        model: String,
        messages: [ChatMessage],
        cacheBreakpoints: [PromptBreakpoint] = [],
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
        self.cacheBreakpoints = cacheBreakpoints
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.responseSchema = responseSchema
        self.maxReplyBytes = maxReplyBytes
        self.context = context
    }
}
