import LemmingCore
import LemmingJSON

/// The built-in, deterministic stand-in for a model that lets an org run with no key and no
/// network (`lemming init`, `lemming demo`).
///
/// Each agent plays the role its resume gives it (``SimulatedRole``: name, title, instructions):
/// - a **manager** splits a request of the human into tasks addressed to each teammate that reads
///   it, answers the human, keeps the plan in memory (`plan`), and reports to the human when a
///   review comes in;
/// - a **planner** answers a task with a plan of three steps, to its author and the coders that
///   read it, and remembers it (`plan`);
/// - a **coder** writes the work into `shared/` with `file_write` (remembering the task), and once
///   the write succeeded asks the reviewers that read it for a review;
/// - a **reviewer** reads the file it is asked to review with `file_read`, and at its next turn
///   answers with a review (tagged `review`) to the coder and the managers that read it.
///
/// An agent with one of these roles answers a question of the human (ending in "?") from its
/// memory. An agent of no known role answers every new `message` or `request` in its inbox with a `response`
/// to its author, then asks the agents that read it to follow up with one `request`; a follow-up
/// carries a hop count in `meta.hops` and stops after two hops, so conversations end. Responses,
/// reports and status entries are read but not answered, except a review by a manager. Every
/// reply follows the reply contract (README "How a tick works"); the same context always gives
/// the same reply.
public enum Simulation {
    static let maximumHops = 2
    /// The most entries a reply may hold under the default reply limits.
    static let maximumEntries = OrgConfig(name: "simulation").replies.maxEntriesPerTurn

    /// The reply of the agent of `request` to its turn (`{"notes":"idle"}` without a context).
    public static func reply(to request: ChatRequest) -> String {
        guard let context = request.context else { return #"{"notes":"idle"}"# }
        switch SimulatedRole(context) {
        case .generic: return generic(context)
        case let role:
            var agent = SimulatedAgent(context: context, role: role)
            return agent.run()
        }
    }

    /// The reply of an agent of no known role: an answer to each message and request, and one
    /// follow-up request to its readers.
    static func generic(_ context: TurnContext) -> String {
        let actionable = Array(
            context.inbox.filter { $0.kind == "message" || $0.kind == "request" }.prefix(maximumEntries))
        guard !actionable.isEmpty else {
            let note = context.inbox.isEmpty ? "idle" : "read \(context.inbox.count) update(s)"
            return JSONValue.object(["notes": .string(note)]).compactText
        }
        var entries: [JSONValue] = []
        for entry in actionable {
            entries.append([
                "kind": "response",
                "payload": [
                    "text": .string("\(context.agent) on \(entry.id.text): \(summary(of: entry)) Noted, on it.")
                ],
                "to": .strings([entry.author]),
                "reply_to": .string(entry.id.text),
            ])
        }
        let hops = actionable.map { $0.meta["hops"]?.intValue ?? 0 }.max() ?? 0
        let audience = context.readers.filter { $0 != Names.human && !actionable.map(\.author).contains($0) }
        if hops < maximumHops, entries.count < maximumEntries, !audience.isEmpty, let first = actionable.first {
            entries.append([
                "kind": "request",
                "payload": [
                    "text": .string("\(context.agent) asks for a follow-up on \(first.id.text): \(summary(of: first))")
                ],
                "reply_to": .string(first.id.text),
                "meta": ["hops": .int(hops + 1)],
            ])
        }
        let reply: JSONValue = [
            "outbox_entries": .array(entries),
            "memory_updates": [["key": "last_handled", "op": "set", "value": .strings(actionable.map(\.id.text))]],
            "notes": .string(
                "handled \(actionable.count) entr\(actionable.count == 1 ? "y" : "ies") at tick \(context.tick)"),
        ]
        return reply.compactText
    }

    static func summary(of entry: OutboxEntry) -> String {
        let words = entry.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return "“" + words.prefix(12).joined(separator: " ") + (words.count > 12 ? "…" : "") + "”"
    }
}
