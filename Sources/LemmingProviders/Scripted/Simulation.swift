import LemmingCore
import LemmingJSON

/// The built-in, deterministic stand-in for a model that lets an org run with no key and no
/// network (`lemming init`, `lemming demo`).
///
/// Each agent answers every new `message` or `request` in its inbox with a `response` to its
/// author, then asks the agents that read it to follow up with one `request`. A follow-up carries
/// a hop count in `meta.hops` and stops after two hops, so conversations end. Responses, reports
/// and status entries are read but not answered. It remembers what it handled last in memory.
public enum Simulation {
    static let maximumHops = 2
    /// The most entries a reply may hold under the default reply limits.
    static let maximumEntries = OrgConfig(name: "simulation").replies.maxEntriesPerTurn

    public static func reply(to request: ChatRequest) -> String {
        guard let context = request.context else { return #"{"notes":"idle"}"# }
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

    private static func summary(of entry: OutboxEntry) -> String {
        let words = entry.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return "“" + words.prefix(12).joined(separator: " ") + (words.count > 12 ? "…" : "") + "”"
    }
}
