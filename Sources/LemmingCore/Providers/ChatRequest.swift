import LemmingJSON

/// What the engine knows about the turn, for providers that simulate agents offline.
///
/// Network providers ignore it; the `scripted` simulation answers from it: the role (title and
/// instructions of the resume), the inbox, the results of the agent's last tool calls and its
/// memory, as the prompt shows them.
public struct TurnContext: Sendable, Equatable {
    /// The agent whose turn it is.
    public var agent: String
    /// The tick of the turn.
    public var tick: Int
    /// The entries the turn is shown, in inbox order.
    public var inbox: [OutboxEntry]
    /// Agents that read this agent (`human` included), sorted.
    public var readers: [String]
    /// Agents this agent reads, sorted.
    public var canRead: [String]
    /// The resume's `title`.
    public var title: String
    /// The resume's `instructions`.
    public var instructions: String
    /// The tools the agent may call (`permissions.tools`, as written).
    public var tools: [String]
    /// The results of the agent's tool calls of its last turn (and of calls the human approved
    /// since), in order.
    public var toolResults: [ToolResult]
    /// The agent's memory, most recently updated first.
    public var memory: [MemoryRecord]

    /// A context with the given fields; those left out are empty (a context built by hand for a
    /// test or a scripted call knows only the agent, tick, inbox and readers).
    public init(
        agent: String, tick: Int, inbox: [OutboxEntry], readers: [String], canRead: [String] = [],
        title: String = "", instructions: String = "", tools: [String] = [], toolResults: [ToolResult] = [],
        memory: [MemoryRecord] = []
    ) {
        self.agent = agent
        self.tick = tick
        self.inbox = inbox
        self.readers = readers
        self.canRead = canRead
        self.title = title
        self.instructions = instructions
        self.tools = tools
        self.toolResults = toolResults
        self.memory = memory
    }
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
