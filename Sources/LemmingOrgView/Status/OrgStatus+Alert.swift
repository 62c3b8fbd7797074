import LemmingCore
import LemmingJSON

extension OrgStatus {
    /// A problem worth a look, typed so a dashboard can group, colour and link it; its message is
    /// the warning `lemming status` prints.
    public struct Alert: Sendable, Equatable {
        /// What the problem is about.
        public enum Kind: String, Sendable, CaseIterable {
            /// `lemming.json` or the model registry has an error.
            case configInvalid = "config_invalid"
            /// A state file cannot be read.
            case stateProblem = "state_problem"
            /// An agent's resume has an error: the agent does not run.
            case resumeInvalid = "resume_invalid"
            /// An agent is out of credits.
            case budgetExhausted = "budget_exhausted"
            /// An agent was paused for repeating itself.
            case loopDetected = "loop_detected"
            /// An agent was paused for replies that could not be used.
            case unusableReplies = "unusable_replies"
            /// Tool calls wait for the human's approval.
            case approvalsWaiting = "approvals_waiting"
            /// An agent wrote entries addressed to agents that cannot read it.
            case entriesUndeliverable = "entries_undeliverable"
            /// Nobody reads an agent: only the human sees its entries.
            case unreadAgent = "unread_agent"
            /// The human cannot reach an agent, directly or through others.
            case unreachableAgent = "unreachable_agent"
            /// A provider endpoint's circuit breaker is open or half-open.
            case circuitOpen = "circuit_open"
        }

        public var kind: Kind
        /// The agent it is about, when it is about one.
        public var agent: String?
        public var message: String

        public init(_ kind: Kind, agent: String? = nil, _ message: String) {
            self.kind = kind
            self.agent = agent
            self.message = message
        }

        /// `{"kind": "loop_detected", "agent": "coder", "message": "…"}`.
        public var json: JSONValue {
            ["kind": .string(kind.rawValue), "agent": .optional(agent), "message": .string(message)]
        }
    }
}
