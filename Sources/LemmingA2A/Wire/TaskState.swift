/// The state of an A2A task, spelled as A2A v1.0 spells it in JSON (`TaskState` of `a2a.proto`,
/// whose protobuf-JSON form is the enum value's name: `TASK_STATE_COMPLETED`).
public enum TaskState: String, Sendable, CaseIterable {
    case submitted = "TASK_STATE_SUBMITTED"
    case working = "TASK_STATE_WORKING"
    case completed = "TASK_STATE_COMPLETED"
    case failed = "TASK_STATE_FAILED"
    case canceled = "TASK_STATE_CANCELED"
    case inputRequired = "TASK_STATE_INPUT_REQUIRED"
    case rejected = "TASK_STATE_REJECTED"
    case authRequired = "TASK_STATE_AUTH_REQUIRED"

    /// Nothing more happens to the task (A2A v1.0 §4.1.3: completed, failed, canceled, rejected).
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .canceled, .rejected: return true
        case .submitted, .working, .inputRequired, .authRequired: return false
        }
    }

    /// The task waits for its client (input or authentication): a `SendMessage` that waits returns.
    public var isInterrupted: Bool { self == .inputRequired || self == .authRequired }
}

/// Who wrote a message (`Role` of `a2a.proto`).
public enum Role: String, Sendable {
    case user = "ROLE_USER"
    case agent = "ROLE_AGENT"
}
