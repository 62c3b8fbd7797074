/// What a turn's record says (DESIGN §5.7), as values: for sinks that take a commit in process
/// (``CommittedChanges``) and would otherwise parse its line of `turns.jsonl` back. The prompt
/// and the model's raw reply are left out: they are in the line.
public struct TurnSummary: Sendable, Equatable {
    public var tick: Int
    public var stopReason: StopReason
    /// When the turn started (RFC 3339).
    public var startedAt: String
    public var error: String?
    /// The reply as parsed (`nil` when the model gave none or it could not be read).
    public var reply: ParsedReply?
    public var violations: [ContractViolation]
    public var toolResults: [ToolResult]

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
