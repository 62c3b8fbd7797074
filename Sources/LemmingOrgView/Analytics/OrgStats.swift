import LemmingCore
import LemmingJSON

/// Each agent's performance over a run, and the org's totals: what `lemming stats` and
/// `GET /api/stats` show (issue 15, Phase 5.6 of the seeds). Computed from a ``RunHistory``,
/// without I/O.
///
/// A *request* is any entry answered by an agent other than its author; its *response* is an
/// entry whose `reply_to` names it (DESIGN §4.2), written by an author other than the request's. For each
/// request and each agent that answered it, only that agent's first response counts (the lowest
/// id), and its latency is the response's tick minus the request's. An agent's median response
/// time is the median of the latencies of its responses; the org's, of all of them. Entries of
/// the human count as requests (the human's own replies are not an agent's).
///
/// With a tick range, a turn counts when its tick is in the range, and a response when its tick
/// is (its request may be older); balances are always the ledger's current ones.
public struct OrgStats: Sendable {
    /// Which agents and ticks to count.
    public struct Filter: Sendable, Equatable {
        /// `nil`: every agent.
        public var agents: [String]?
        public var fromTick: Int?
        public var toTick: Int?

        public init(agents: [String]? = nil, fromTick: Int? = nil, toTick: Int? = nil) {
            self.agents = agents
            self.fromTick = fromTick
            self.toTick = toTick
        }

        /// Whether `tick` is in the range.
        public func contains(tick: Int) -> Bool {
            tick >= (fromTick ?? Int.min) && tick <= (toTick ?? Int.max)
        }
    }

    /// One agent's line.
    public struct AgentStats: Sendable, Equatable {
        public var agent: String
        public var figures: RunFigures
        /// The agent's current balance (`state/ledger.json`), whatever the range.
        public var balance: Double?

        public var json: JSONValue {
            var object: JSONObject = ["agent": .string(agent)]
            for (key, value) in figures.json { object[key] = value }
            object["balance"] = balance.map(JSONValue.double) ?? .null
            return .object(object)
        }
    }

    public var orgName: String
    public var filter: Filter
    public var lastCommittedTick: Int
    public var agents: [AgentStats]
    /// The figures of the agents shown, together.
    public var total: RunFigures
    /// What could not be read and was left out (``RunHistory/problems``).
    public var problems: [String]

    /// The stats of `history`'s agents (those of `filter`, in its order, else all) over its ticks.
    ///
    /// - Throws: ``LemmingError`` `.notFound` for an agent the history does not know, and
    ///   `.invalidArgument` when `fromTick` is after `toTick`.
    public init(history: RunHistory, filter: Filter = Filter()) throws {
        if let from = filter.fromTick, let to = filter.toTick, from > to {
            throw LemmingError(.invalidArgument, "the range is empty: --from-tick \(from) is after --to-tick \(to)")
        }
        let known = Set(history.agents)
        for agent in filter.agents ?? [] where !known.contains(agent) {
            throw LemmingError(
                .notFound, "no agent named '\(agent)' (agents: \(history.agents.joined(separator: ", ")))")
        }
        let responseTicks = Self.responseTicks(history.entries, filter: filter)
        var agents: [AgentStats] = []
        var total = RunFigures()
        var shown = Set<String>()
        for agent in filter.agents ?? history.agents where shown.insert(agent).inserted {
            var figures = RunFigures()
            for turn in history.turns[agent] ?? [] where filter.contains(tick: turn.tick) { figures.add(turn) }
            figures.responseTicks = (responseTicks[agent] ?? []).sorted()
            total.add(figures)
            agents.append(AgentStats(agent: agent, figures: figures, balance: history.balances[agent]))
        }
        self.orgName = history.orgName
        self.filter = filter
        self.lastCommittedTick = history.lastCommittedTick
        self.agents = agents
        self.total = total
        self.problems = history.problems
    }

    /// Each responder's latencies: for every request it answered (first response only, by an
    /// author other than the request's) with the response's tick in the range, the ticks from the
    /// request to the response. `entries` are in id order, so the first response met is the first
    /// written.
    package static func responseTicks(_ entries: [OutboxEntry], filter: Filter) -> [String: [Int]] {
        struct Answer: Hashable {
            var request: String
            var responder: String
        }
        var ticks: [String: Int] = [:]
        for entry in entries { ticks[entry.id.text] = entry.tick }
        var answered = Set<Answer>()
        var latencies: [String: [Int]] = [:]
        for entry in entries {
            guard let request = entry.replyTo, let requestTick = ticks[request],
                EntryID(request)?.agent != entry.author,
                answered.insert(Answer(request: request, responder: entry.author)).inserted,
                filter.contains(tick: entry.tick)
            else { continue }
            latencies[entry.author, default: []].append(entry.tick - requestTick)
        }
        return latencies
    }

    /// `{"org", "from_tick", "to_tick", "last_committed_tick", "agents": [{"agent", …figures,
    /// "balance"}], "total": {…figures}, "problems": [string]}` (figures: ``RunFigures/json``).
    public var json: JSONValue {
        [
            "org": .string(orgName), "from_tick": filter.fromTick.map(JSONValue.int) ?? .null,
            "to_tick": filter.toTick.map(JSONValue.int) ?? .null, "last_committed_tick": .int(lastCommittedTick),
            "agents": .array(agents.map(\.json)), "total": .object(total.json), "problems": .strings(problems),
        ]
    }
}
