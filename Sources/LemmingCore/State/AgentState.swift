/// What an agent is doing between turns, derived in one place from its resume, its runtime state
/// and its account: the scheduler, `--until-idle`, `lemming status`, the API and the dashboard all
/// use this one derivation.
public enum AgentState: String, Sendable, CaseIterable {
    /// Fires on its schedule.
    case active
    /// Paused by the operator.
    case paused
    /// Paused because it kept repeating itself (DESIGN §5.5).
    case loopDetected = "loop_detected"
    /// Paused because its replies were unusable (cut off, refused, empty) too many turns in a row.
    case unusableReplies = "unusable_replies"
    /// Its resume says `enabled: false`.
    case disabled
    /// Its resume does not validate (or its folder has none).
    case invalidResume = "invalid_resume"
    /// Out of credits until a top-up.
    case budgetExhausted = "budget_exhausted"

    /// The state of an agent.
    ///
    /// - Parameters:
    ///   - resume: its valid resume, `nil` when it has none or it does not validate.
    ///   - runtime: its entry of `state/agents.json`.
    ///   - account: its ledger account, `nil` before its first turn.
    public init(resume: Resume?, runtime: AgentRuntime, account: LedgerAccount?) {
        guard let resume else {
            self = .invalidResume
            return
        }
        if !resume.isEnabled {
            self = .disabled
        } else if runtime.isPaused {
            switch runtime.pauseReason ?? .byOperator {
            case .byOperator: self = .paused
            case .loopDetected: self = .loopDetected
            case .unusableReplies: self = .unusableReplies
            }
        } else if account?.exhaustionNotified == true {
            self = .budgetExhausted
        } else {
            self = .active
        }
    }

    /// Whether it fires when its schedule says so.
    public var isActive: Bool { self == .active }

    /// Why a turn it would have had did not run (`nil` when active).
    public var stopReason: StopReason? {
        switch self {
        case .active: return nil
        case .paused, .unusableReplies: return .paused
        case .loopDetected: return .loopDetected
        case .disabled: return .disabled
        case .invalidResume: return .invalidResume
        case .budgetExhausted: return .budgetExhausted
        }
    }
}
