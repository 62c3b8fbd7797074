import LemmingCore
import LemmingJSON

/// One turn of an agent with a known ``SimulatedRole``: it reads the results of its last tool
/// calls, then its inbox, and builds its reply.
struct SimulatedAgent {
    let context: TurnContext
    let role: SimulatedRole
    var reply = SimulatedReply()

    /// The error of a call waiting for the human (``ToolResult/error``, written by the engine).
    static let waitingForApproval = "waiting for the human's approval"

    init(context: TurnContext, role: SimulatedRole) {
        self.context = context
        self.role = role
    }

    /// The turn's reply, in the reply contract.
    mutating func run() -> String {
        for result in context.toolResults {
            switch role {
            case .coder: coderSees(result)
            case .reviewer: reviewerSees(result)
            case .manager, .planner, .generic: reply.note("\(result.tool): \(result.isSuccess ? "ok" : "failed")")
            }
        }
        var updates = 0
        for entry in context.inbox where reply.entries.count < Simulation.maximumEntries - 1 {
            if entry.author == Names.human, entry.isActionable, entry.text.trimmed.hasSuffix("?") {
                answerQuestion(entry)
            } else if entry.isActionable {
                switch role {
                case .manager: managerTakes(entry)
                case .planner: plannerTakes(entry)
                case .coder: coderTakes(entry)
                case .reviewer: reviewerTakes(entry)
                case .generic: break
                }
            } else if role == .manager, entry.tags.contains("review") {
                managerReads(review: entry)
            } else {
                updates += 1
            }
        }
        if updates > 0 { reply.note("read \(updates) update(s)") }
        return reply.text
    }

    // MARK: - Shared behaviour

    /// The agent's memory value under `key`.
    func memory(_ key: String) -> JSONValue? {
        context.memory.first { $0.key == key }?.value
    }

    /// The agents that read this one (not the human) whose name says they play `role`.
    func readers(playing role: SimulatedRole) -> [String] {
        context.readers.filter { $0 != Names.human && $0 != context.agent && SimulatedRole(name: $0) == role }
    }

    func mayCall(_ tool: String) -> Bool {
        context.tools.contains(tool) || context.tools.contains("*")
    }

    /// Answers a question of the human with what memory says about the work.
    mutating func answerQuestion(_ entry: OutboxEntry) {
        let text: String
        switch role {
        case .manager:
            if let plan = memory("plan"), let topic = plan["topic"]?.stringValue {
                let status = plan["status"]?.stringValue ?? "in progress"
                text =
                    "\(topic.capitalizedFirst): \(status), in \(plan["file"]?.stringValue ?? "shared/")."
            } else {
                text = "Nothing is in progress. Tell me what to build and I will split it into tasks for the team."
            }
        case .coder:
            if let task = memory("task"), let file = task["file"]?.stringValue {
                text =
                    "I am on \(task["topic"]?.stringValue ?? "the task") in \(file): \(task["status"]?.stringValue ?? "writing")."
            } else {
                text = "Nothing in progress; the manager hands me tasks."
            }
        case .planner:
            let steps = memory("plan")?["steps"]?.arrayValue?.count ?? 0
            text = steps > 0 ? "My last plan has \(steps) steps; it is in my memory under plan." : "No plan yet."
        case .reviewer, .generic:
            let reviews = memory("reviews")?.arrayValue?.compactMap(\.stringValue) ?? []
            text = reviews.isEmpty ? "No reviews yet." : "Reviews so far: \(reviews.joined(separator: "; "))."
        }
        reply.send("response", text, to: [entry.author], replyTo: entry.id.text)
        reply.note("answered \(entry.author)'s question")
    }
}

extension OutboxEntry {
    /// A `message` or a `request`: something to act on.
    var isActionable: Bool { kind == "message" || kind == "request" }
}

extension String {
    var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
