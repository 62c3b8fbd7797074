import LemmingJSON

/// What went wrong with an agent's last reply, shown in its next prompt so that it can correct
/// itself (issue 11 item 9).
///
/// The engine builds it when it stages a turn and keeps it as ``AgentRuntime/feedback``: the
/// parser's violations (calls, entries and updates it dropped, and the mild repairs it made), the
/// violations of applying the reply (a `reply_to` naming no entry, a memory update over a cap —
/// an entry addressed to someone who cannot read the author is not one: it is reported to the
/// operator as `entry_undeliverable`), and for a reply that was not usable at all a ``notice`` (the engine's
/// words: cut off, refused, empty). It keeps it with the agent's runtime (``json``,
/// ``init(json:)``), passes it as ``PromptBuilder/Input/previousProblems`` of the agent's next turn,
/// and replaces it when that turn is staged. Tool calls the engine refused (permission, unknown
/// tool, invalid arguments) are not here: they are tool results, shown in their own section.
///
/// It is bounded, since it is stored in `state/agents.json`: at most ``maximumViolations``
/// violations (the rest are counted in ``omitted``), each message and the notice cut to
/// ``maximumMessageCharacters``. Its JSON (`tick` and `omitted` may be absent, as in files written
/// before they were kept):
///
///     {"tick": 6, "notice": "Your last reply was cut off …", "omitted": 0,
///      "violations": [{"code": "invalid_tool_call", "field": "tool_calls[0].args", "message": "…"}]}
public struct ReplyProblems: Sendable, Equatable {
    /// The most violations kept.
    public static let maximumViolations = 12
    /// The longest notice, field or message kept, in characters.
    public static let maximumMessageCharacters = 300

    /// The tick of the reply these problems are about, when known.
    public var tick: Int?
    /// What happened to the reply as a whole (cut off, refused, empty), when it was not usable.
    public var notice: String?
    /// Its defects, in the order found, at most ``maximumViolations``.
    public private(set) var violations: [ContractViolation]
    /// Violations left out beyond ``maximumViolations``.
    public private(set) var omitted: Int

    /// Problems of the reply of `tick`, cut to the bounds.
    public init(tick: Int?, notice: String? = nil, violations: [ContractViolation], omitted: Int = 0) {
        self.tick = tick
        self.notice = notice.map { Self.cut($0) }
        self.violations = violations.prefix(Self.maximumViolations).map { violation in
            ContractViolation(
                Self.cut(violation.code), field: Self.cut(violation.field), Self.cut(violation.message))
        }
        self.omitted = omitted + max(0, violations.count - Self.maximumViolations)
    }

    /// Whether there is nothing to tell.
    public var isEmpty: Bool { notice == nil && violations.isEmpty && omitted == 0 }

    public var json: JSONValue {
        [
            "tick": tick.map(JSONValue.int) ?? .null, "notice": .optional(notice), "omitted": .int(omitted),
            "violations": .array(violations.map(\.json)),
        ]
    }

    /// Reads the ``json`` shape; `nil` when it is not an object (the problems are then forgotten).
    public init?(json value: JSONValue) {
        guard value.objectValue != nil else { return nil }
        let violations = (value["violations"]?.arrayValue ?? []).compactMap { item -> ContractViolation? in
            guard let code = item["code"]?.stringValue, let message = item["message"]?.stringValue else { return nil }
            return ContractViolation(code, field: item["field"]?.stringValue ?? "", message)
        }
        self.init(
            tick: value["tick"]?.intValue, notice: value["notice"]?.stringValue, violations: violations,
            omitted: max(0, value["omitted"]?.intValue ?? 0))
    }

    private static func cut(_ text: String) -> String {
        text.count <= maximumMessageCharacters ? text : String(text.prefix(maximumMessageCharacters - 1)) + "…"
    }
}

extension PromptBuilder {
    /// The section of the user message that tells the agent what went wrong with its last reply.
    func problemsSection(_ problems: ReplyProblems) -> String {
        var lines = ["## Problems with your last reply" + (problems.tick.map { " (tick \($0))" } ?? "")]
        if let notice = problems.notice { lines.append(notice) }
        func line(_ violation: ContractViolation) -> String {
            violation.field.isEmpty ? "- \(violation.message)" : "- \(violation.field): \(violation.message)"
        }
        let notApplied = problems.violations.filter { !$0.isMild }
        let repaired = problems.violations.filter(\.isMild)
        if !notApplied.isEmpty {
            lines.append("Not understood or not applied (fix what still matters in this reply):")
            lines.append(contentsOf: notApplied.map(line))
        }
        if !repaired.isEmpty {
            lines.append("Read anyway, but write it as the reply format says:")
            lines.append(contentsOf: repaired.map(line))
        }
        if problems.omitted > 0 { lines.append("(\(problems.omitted) more problems not shown)") }
        return lines.joined(separator: "\n")
    }
}
