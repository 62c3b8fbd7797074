/// Everything a turn needs, fixed before its model call: the snapshot it sees (DESIGN §5.3).
///
/// Immutable and `Sendable`, so turns of a tick run concurrently without touching engine state.
struct TurnPlan: Sendable {
    var agent: String
    var tick: Int
    var resume: Resume
    var model: ModelEntry?
    var provider: (any ModelProvider)?
    /// Why there is no provider (bad `models.json` entry), when there is none.
    var providerProblem: String?
    var balance: Double
    var prompt: PromptBuilder.Input
    /// The system message already escaped as a JSON string (turn records reuse it).
    var systemMessageJSON: [UInt8]
    var tools: any ToolExecutor
    var org: OrgPaths
    var replyLimits: OrgConfig.ReplyLimits
    var startedAt: String

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
}
