import LemmingCore
import LemmingJSON

/// The JSON shapes of agents shared by `lemming agents --json`, `lemming graph --json` and the API.
extension OrgView {
    /// One agent's line: name, title, schedule, next fire tick, model, balance and state.
    public func agentSummary(_ name: String) -> JSONValue {
        if name == Names.human {
            return [
                "name": .string(Names.human), "title": "the operator", "schedule": nil, "next_fire_tick": nil,
                "model": nil, "balance": nil, "state": "operator",
            ]
        }
        let resume = agents[name]?.resume
        var object = JSONObject()
        object["name"] = .string(name)
        object["title"] = .optional(resume?.title)
        object["schedule"] =
            resume.map {
                ["run_every_n_ticks": .int($0.schedule.runEveryNTicks), "phase_offset": .int($0.schedule.phaseOffset)]
            } ?? .null
        object["next_fire_tick"] = nextFireTick(of: name).map(JSONValue.int) ?? .null
        object["model"] = .optional(resume?.model.key)
        object["balance"] = balance(of: name).map(JSONValue.double) ?? .null
        object["state"] = .string(state(of: name))
        return .object(object)
    }

    /// Who reads whom: nodes (agents and `human`) and edges from author to reader; the human's
    /// reading of everyone is left implicit.
    public var graphJSON: JSONValue {
        let nodes = agentNames + [Names.human]
        var edges: [JSONValue] = []
        for author in nodes {
            for reader in graph.agentReaders(of: author) {
                edges.append(["from": .string(author), "to": .string(reader)])
            }
        }
        return [
            "nodes": .array(
                nodes.map { name in
                    [
                        "name": .string(name), "title": .optional(agents[name]?.resume?.title),
                        "state": .string(state(of: name)),
                    ]
                }),
            "edges": .array(edges),
            "human_reads_everyone": true,
        ]
    }

    /// The short form of a turn record: tick, stop reason, counts, cost, notes and error.
    public static func turnSummary(_ record: JSONValue) -> JSONValue {
        [
            "tick": record["tick"] ?? nil, "stop_reason": record["stop_reason"] ?? nil,
            "entries": .int(record["entries"]?.arrayValue?.count ?? 0), "cost": record["cost"] ?? nil,
            "violations": .int(record["violations"]?.arrayValue?.count ?? 0),
            "notes": record["parsed"]?["notes"] ?? nil, "error": record["error"] ?? nil,
        ]
    }

    /// Refuses an unknown agent, or one that cannot hear the human, saying who can.
    ///
    /// - Parameters:
    ///   - force: send even when the agent does not read `human`.
    ///   - forceHint: what to tell the user about forcing (`"; --force sends anyway"`), or empty.
    public func checkHumanCanAddress(_ agent: String, force: Bool, forceHint: String = "") throws {
        let hearing = graph.agentReaders(of: Names.human)
        let who =
            hearing.isEmpty ? "no agent reads human" : "agents that read human: \(hearing.joined(separator: ", "))"
        guard isAgent(agent) else {
            throw LemmingError(.notFound, "no agent named '\(agent)' (\(who))")
        }
        guard force || hearing.contains(agent) else {
            throw LemmingError(
                .invalidArgument, "\(agent) does not read human, so it would never see this (\(who))" + forceHint)
        }
    }
}
