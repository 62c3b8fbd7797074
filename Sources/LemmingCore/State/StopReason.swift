/// Why a turn ended the way it did (DESIGN §5.5). Shown by the CLI, the API and the dashboard.
public enum StopReason: String, Sendable, CaseIterable {
    /// The model answered and its reply was applied.
    case completed
    /// Nothing new to read and the resume opts into skipping idle turns.
    case noNewInput = "no_new_input"
    /// The balance could not cover the worst-case cost of the call.
    case budgetExhausted = "budget_exhausted"
    /// The agent (or the engine) is paused.
    case paused
    /// The resume says `enabled: false`.
    case disabled
    /// The model call failed after retries, timed out, or its circuit is open.
    case providerFailed = "provider_failed"
    /// The model hit its token limit and its reply was cut off; the input is shown again.
    case truncated
    /// A safety filter withheld the reply or the model refused; the input is shown again.
    case refused
    /// The model answered with no visible text (a reasoning model that only reasoned, or an empty
    /// reply); the input is shown again.
    case emptyReply = "empty_reply"
    /// The resume does not validate.
    case invalidResume = "invalid_resume"
    /// The agent repeated the same actions too many turns in a row and was paused.
    case loopDetected = "loop_detected"

    /// The turn produced nothing usable (`turn_failed`): the provider failed, or its reply was cut
    /// off, refused or empty.
    public var isFailure: Bool {
        switch self {
        case .providerFailed, .truncated, .refused, .emptyReply: return true
        default: return false
        }
    }
}
