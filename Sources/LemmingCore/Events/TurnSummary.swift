/// What a turn's record says (DESIGN §5.7), as values: for sinks that take a commit in process
/// (``CommittedChanges``) and would otherwise parse its line of `turns.jsonl` back. The prompt
/// and the model's raw reply are left out: they are in the line.
public struct TurnSummary: Sendable, Equatable {
    /// The tick the turn ran in.
    public var tick: Int
    /// How the turn ended.
    public var stopReason: StopReason
    /// When the turn started (RFC 3339).
    public var startedAt: String
    /// What went wrong, in words, when the turn failed; `nil` otherwise.
    public var error: String?
    /// The reply as parsed (`nil` when the model gave none or it could not be read).
    public var reply: ParsedReply?
    /// How the reply broke the reply contract (DESIGN §4), in the order found.
    public var violations: [ContractViolation]
    /// The tool calls' results, in the order the reply asked for them.
    public var toolResults: [ToolResult]

    /// A turn's summary; optional parts default to empty.
    public init(
        tick: Int, stopReason: StopReason, startedAt: String, error: String? = nil, reply: ParsedReply? = nil,
        violations: [ContractViolation] = [], toolResults: [ToolResult] = []
    ) {
        self.tick = tick
        self.stopReason = stopReason
        self.startedAt = startedAt
        self.error = error
        self.reply = reply
        self.violations = violations
        self.toolResults = toolResults
    }
}
