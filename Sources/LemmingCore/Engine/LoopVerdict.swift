import LemmingJSON

/// Why ``LoopDetector`` thinks an agent is looping, with the evidence for the `status` entry to the
/// human and the `loop_detected` event.
public struct LoopVerdict: Sendable, Equatable {
    /// The kind of loop (the raw values are the wire names, in the event's `reason`).
    public enum Kind: String, Sendable, Equatable {
        /// The same actions (entries, tool calls, memory updates) again and again.
        case repeatedActions = "repeated_actions"
        /// Near-identical entries, with nothing new coming in.
        case nearDuplicates = "near_duplicates"
        /// Two or more agents trading entries that carry no new information.
        case pingPong = "ping_pong"
    }

    /// The kind of loop.
    public var kind: Kind
    /// How many turns in a row are part of the loop (the first one included).
    public var turns: Int
    /// The ticks of the loop's turns the detector remembers, oldest first.
    public var ticks: [Int]
    /// The start of each of those turns' first entry (or tool call), distinct, in order.
    public var excerpts: [String]
    /// The agents it traded with, when it is a ping-pong.
    public var partners: [String]

    /// One paragraph for the `status` entry: what the agent did, when, and what it said.
    public func summary(agent: String) -> String {
        let span = ticks.count > 1 ? "ticks \(ticks[0])–\(ticks[ticks.count - 1])" : "tick \(ticks.first ?? 0)"
        var text: String
        switch kind {
        case .repeatedActions:
            text = "\(agent) repeated the same actions \(turns) turns in a row (\(span))"
        case .nearDuplicates:
            text = "\(agent) posted near-identical entries \(turns) turns in a row with nothing new coming in (\(span))"
        case .pingPong:
            text =
                "\(agent) exchanged \(turns) turns with \(partners.joined(separator: ", ")) without new information "
                + "(\(span))"
        }
        if !excerpts.isEmpty {
            text += ": " + excerpts.map { "“\($0)”" }.joined(separator: ", ")
        }
        return text + "."
    }

    /// The verdict for an event's data or an entry's `meta`.
    public var json: JSONValue {
        [
            "kind": .string(kind.rawValue), "turns": .int(turns), "ticks": .array(ticks.map(JSONValue.int)),
            "excerpts": .strings(excerpts), "partners": .strings(partners),
        ]
    }
}
