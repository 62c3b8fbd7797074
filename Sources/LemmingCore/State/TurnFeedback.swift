import LemmingJSON

/// What went wrong with an agent's last reply, shown in its next prompt so it can correct itself
/// (issue 11 item 9): the contract violations of the reply, and the engine's notice when the reply
/// could not be used at all (cut off, refused, empty).
///
/// Kept in `state/agents.json` (`"feedback"`) until the next turn that shows it.
public struct TurnFeedback: Sendable, Equatable {
    public var violations: [ContractViolation]
    /// The engine's words about an unusable reply ("your last reply was cut off…"), if any.
    public var notice: String?

    public init(violations: [ContractViolation] = [], notice: String? = nil) {
        self.violations = violations
        self.notice = notice
    }

    public var isEmpty: Bool { violations.isEmpty && notice == nil }

    /// At most this many violations are kept; the rest are counted in the notice.
    public static let maximumViolations = 20

    public var json: JSONValue {
        ["violations": .array(violations.map(\.json)), "notice": .optional(notice)]
    }

    init(json value: JSONValue) {
        violations =
            value["violations"]?.arrayValue?.compactMap { item in
                guard let code = item["code"]?.stringValue, let message = item["message"]?.stringValue else {
                    return nil
                }
                return ContractViolation(code, field: item["field"]?.stringValue ?? "", message)
            } ?? []
        notice = value["notice"]?.stringValue
    }
}
