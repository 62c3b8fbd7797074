/// Everything a turn needs, fixed before its model call: the snapshot it sees (DESIGN §5.3).
///
/// Immutable and `Sendable`, so turns of a tick run concurrently without touching engine state.
struct TurnPlan: Sendable {
    var agent: String
    var tick: Int
    var resume: Resume
    var model: ModelEntry?
    /// The registry, to price a reply served by a fallback model.
    var registry: ModelRegistry
    var provider: (any ModelProvider)?
    /// Why there is no provider (bad `models.json` entry), when there is none.
    var providerProblem: String?
    var balance: Double
    var prompt: PromptBuilder.Input
    /// The system message already escaped as a JSON string (turn records reuse it).
    var systemMessageJSON: [UInt8]
    var org: OrgPaths
    var replyLimits: OrgConfig.ReplyLimits
    var startedAt: String
    /// The reply this turn already got before a crash interrupted its tick (used instead of a call
    /// when the request is the same).
    var recordedReply: RecordedOutcomes.Reply?
    /// Record the reply durably as soon as it arrives: the model is paid for, or not
    /// deterministic (every provider but `scripted` and `cassette`).
    var recordsReply: Bool

    var inbox: Inbox { prompt.inbox }
}

/// What happened in a turn, before it is committed.
struct TurnOutcome: Sendable {
    var plan: TurnPlan
    var stopReason: StopReason
    var messages: [ChatMessage] = []
    var response: ChatResponse?
    var reply: ParsedReply?
    var usage = TokenUsage.zero
    var reserved = 0.0
    var error: String?
    var toolCalls: [ToolCall] = []
    var toolResults: [ToolResult] = []
    var totalMilliseconds = 0.0
    var providerMilliseconds = 0.0
    /// Why the model's answer cannot be used, when it cannot (the stop reason says which kind).
    var unusable: UnusableReply?
    /// Why the reply could not be recorded durably, when it could not.
    var unrecorded: String?

    /// The model that answered: a fallback's entry when one served the reply.
    var servedModel: ModelEntry? {
        response?.servedBy.flatMap { plan.registry[$0] } ?? plan.model
    }
}
