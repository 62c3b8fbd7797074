import LemmingCore
import LemmingJSON

extension SimulatedAgent {
    // MARK: - Manager

    /// A request of the human becomes one task for each teammate that reads the manager; a
    /// message of a teammate is acknowledged.
    mutating func managerTakes(_ entry: OutboxEntry) {
        guard entry.author == Names.human else {
            reply.send("response", "Thanks, \(entry.author): noted.", to: [entry.author], replyTo: entry.id.text)
            reply.note("acknowledged \(entry.author)")
            return
        }
        let task = SimulatedTask(request: entry.text)
        // The team in the order work flows: plan, build, review, then the others.
        let order: [SimulatedRole] = [.planner, .coder, .reviewer]
        let team = context.readers.filter { $0 != Names.human && $0 != context.agent }.sorted { first, second in
            let ranks = [first, second].map { order.firstIndex(of: SimulatedRole(name: $0)) ?? order.count }
            return ranks[0] != ranks[1] ? ranks[0] < ranks[1] : Names.precedes(first, second)
        }
        guard SimulatedTask.asksForWork(entry.text) else {
            reply.send(
                "response", "Noted. Tell me what to build or plan, and I will hand it to the team.",
                to: [entry.author], replyTo: entry.id.text)
            reply.note("nothing to hand out")
            return
        }
        guard !team.isEmpty else {
            reply.send(
                "response", "Nobody reads my outbox, so I cannot hand \(task.topic) to anyone.", to: [entry.author],
                replyTo: entry.id.text)
            reply.note("no team")
            return
        }
        let tasks = team.map { teammate in (teammate, Self.assignment(for: SimulatedRole(name: teammate), of: task)) }
        let reviewed = team.contains { SimulatedRole(name: $0) == .reviewer }
        let summary = tasks.map { "\($0.0) \($0.1.summary)" }.joined(separator: ", ")
        reply.send(
            "response",
            "Taking on \(task.topic): \(summary). I will tell you when it is \(reviewed ? "reviewed" : "done").",
            to: [entry.author], replyTo: entry.id.text)
        var roles = JSONObject()
        for (teammate, assignment) in tasks {
            reply.send("message", assignment.text, to: [teammate], replyTo: entry.id.text, tags: ["task"])
            roles[teammate] = .string(assignment.summary)
        }
        reply.remember(
            "plan",
            [
                "status": "in progress", "topic": .string(task.topic), "file": .string(task.file),
                "tasks": .object(roles), "request": .string(entry.id.text),
            ])
        reply.note("split \(entry.id.text) into \(team.count) task(s)")
    }

    /// The task for a teammate of `role`, and how the manager sums it up for the human.
    static func assignment(for role: SimulatedRole, of task: SimulatedTask) -> (text: String, summary: String) {
        switch role {
        case .planner:
            return ("Plan \(task.topic): the steps, and what to build first.", "plans it")
        case .coder:
            return ("Build \(task.topic) as \(task.file), then ask for a review.", "builds \(task.file)")
        case .reviewer:
            return ("Review \(task.file) when it is ready, and tell me whether it is acceptable.", "reviews it")
        case .manager, .generic:
            return ("Help with \(task.topic): take the part you know best and report to me.", "helps")
        }
    }

    /// A review closes the plan: the human hears the verdict, memory the new status.
    mutating func managerReads(review entry: OutboxEntry) {
        guard let plan = memory("plan"), let request = plan["request"]?.stringValue else {
            reply.note("read a review by \(entry.author)")
            return
        }
        let topic = plan["topic"]?.stringValue ?? "the work"
        let file = plan["file"]?.stringValue ?? "shared/"
        let acceptable = entry.tags.contains("acceptable")
        let text =
            acceptable
            ? "Done: \(topic), in \(file); \(entry.author) found it acceptable. Next: \(Self.suggestion(in: entry.text))"
            : "\(topic.capitalizedFirst), in \(file): \(entry.author) asks for changes; the coder has the review."
        reply.send("report", text, to: [Names.human], replyTo: request)
        reply.remember(
            "plan", ["status": .string(acceptable ? "done, reviewed" : "changes requested")], operation: .merge)
        reply.note("reported the review of \(file) to the human")
    }

    /// The review's suggestion ("add a … link."), or a closing word.
    private static func suggestion(in review: String) -> String {
        guard let range = review.firstRange(of: "Suggestion: ") else { return "nothing left to do." }
        return String(review[range.upperBound...])
    }

    // MARK: - Planner

    /// A task becomes a plan of three steps, for its author and the coders that read the planner.
    mutating func plannerTakes(_ entry: OutboxEntry) {
        let task = SimulatedTask(request: entry.text)
        let steps = task.steps
        let recipients = [entry.author] + readers(playing: .coder).filter { $0 != entry.author }
        let numbered = steps.enumerated().map { "\($0.offset + 1). \($0.element)" }
        reply.send(
            "response", "Plan for \(task.topic) (\(task.file)): " + numbered.joined(separator: " "), to: recipients,
            replyTo: entry.id.text)
        reply.remember("plan", ["topic": .string(task.topic), "file": .string(task.file), "steps": .strings(steps)])
        reply.note("planned \(task.topic) in \(steps.count) steps")
    }
}
