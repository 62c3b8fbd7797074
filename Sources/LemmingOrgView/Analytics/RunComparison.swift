import LemmingCore
import LemmingJSON

/// Two runs side by side, the A/B view of `lemming compare` (issue 15, Phase 5.6 of the seeds):
/// each agent's figures in both, the figures that differ, the agents only one run has, and the
/// first entry where the runs part. Computed from two ``RunHistory`` values, without I/O.
///
/// Entries are walked in the same order in both runs — by tick, then author, then sequence
/// (``EntryID``) — and the first position where the id, the author, the recipients, the kind or
/// the payload differ is reported, with a short diff of the payloads. Timestamps, threads and
/// metadata are not compared (a live run's `created_at` differs from any other's).
public struct RunComparison: Sendable {
    /// The figures compared, by their JSON names (``RunFigures/json``).
    public static let comparedFigures = ["turns", "entries", "tokens_in", "tokens_out", "cost", "violations"]

    /// One agent's figures in both runs (or the totals, `agent` `nil`).
    public struct Row: Sendable, Equatable {
        public var agent: String?
        /// `nil`: run A has no such agent.
        public var a: RunFigures?
        /// `nil`: run B has no such agent.
        public var b: RunFigures?

        /// The figures that differ (``comparedFigures``, then `stop_reasons`); empty when the agent
        /// is in only one run.
        public var differences: [String] {
            guard let a, let b else { return [] }
            let left = a.json
            let right = b.json
            var names = RunComparison.comparedFigures.filter { left[$0] != right[$0] }
            if a.stopReasons != b.stopReasons { names.append("stop_reasons") }
            return names
        }

        public var json: JSONValue {
            var object = JSONObject()
            if let agent { object["agent"] = .string(agent) }
            object["a"] = a.map { .object(Self.compared($0)) } ?? .null
            object["b"] = b.map { .object(Self.compared($0)) } ?? .null
            object["differences"] = .strings(differences)
            return .object(object)
        }

        private static func compared(_ figures: RunFigures) -> JSONObject {
            let all = figures.json
            var object = JSONObject()
            for name in RunComparison.comparedFigures + ["stop_reasons"] { object[name] = all[name] }
            return object
        }
    }

    /// The first entry where the runs differ.
    public struct EntryDifference: Sendable, Equatable {
        /// The entry's position in the order both runs are walked in, from 0.
        public var position: Int
        /// `nil`: run A has no entry there (it has fewer).
        public var a: OutboxEntry?
        /// `nil`: run B has no entry there.
        public var b: OutboxEntry?
        /// Which of `id`, `author`, `recipients`, `kind`, `payload` differ; empty when one run has
        /// no entry there.
        public var fields: [String]
        /// `- payload.<key>: <A's value>` and `+ payload.<key>: <B's value>` lines for each member
        /// that differs (a text: the lines that differ), shortened (``PayloadDiff``).
        public var payloadDiff: [String]

        /// The tick of the entry (the earlier of the two).
        public var tick: Int { min(a?.tick ?? Int.max, b?.tick ?? Int.max) }

        public var json: JSONValue {
            [
                "position": .int(position), "tick": .int(tick), "a": a?.json ?? .null, "b": b?.json ?? .null,
                "fields": .strings(fields), "payload_diff": .strings(payloadDiff),
            ]
        }
    }

    public var a: OrgStats
    public var b: OrgStats
    /// Every agent of either run, sorted.
    public var rows: [Row]
    public var total: Row
    public var firstDifference: EntryDifference?
    /// Entries in each run.
    public var entryCounts: (a: Int, b: Int)

    /// Compares the runs `a` and `b`.
    public init(a historyA: RunHistory, b historyB: RunHistory) throws {
        a = try OrgStats(history: historyA)
        b = try OrgStats(history: historyB)
        let left = Dictionary(uniqueKeysWithValues: a.agents.map { ($0.agent, $0.figures) })
        let right = Dictionary(uniqueKeysWithValues: b.agents.map { ($0.agent, $0.figures) })
        rows = Set(left.keys).union(right.keys).sorted(by: Names.precedes).map {
            Row(agent: $0, a: left[$0], b: right[$0])
        }
        total = Row(agent: nil, a: a.total, b: b.total)
        firstDifference = Self.firstDifference(historyA.entries, historyB.entries)
        entryCounts = (historyA.entries.count, historyB.entries.count)
    }

    /// Agents only run A has.
    public var onlyInA: [String] { rows.filter { $0.b == nil }.compactMap(\.agent) }
    /// Agents only run B has.
    public var onlyInB: [String] { rows.filter { $0.a == nil }.compactMap(\.agent) }

    /// Whether anything compared differs: a figure, an agent, an entry.
    public var isDifferent: Bool {
        firstDifference != nil || rows.contains { $0.a == nil || $0.b == nil || !$0.differences.isEmpty }
    }

    /// The first position where the entries differ, walking both lists (each in id order).
    static func firstDifference(_ left: [OutboxEntry], _ right: [OutboxEntry]) -> EntryDifference? {
        for position in 0..<max(left.count, right.count) {
            let a = position < left.count ? left[position] : nil
            let b = position < right.count ? right[position] : nil
            guard let a, let b else {
                return EntryDifference(position: position, a: a, b: b, fields: [], payloadDiff: [])
            }
            var fields: [String] = []
            if a.id != b.id { fields.append("id") }
            if a.author != b.author { fields.append("author") }
            if a.recipients != b.recipients { fields.append("recipients") }
            if a.kind != b.kind { fields.append("kind") }
            if a.payload != b.payload { fields.append("payload") }
            if !fields.isEmpty {
                return EntryDifference(
                    position: position, a: a, b: b, fields: fields, payloadDiff: PayloadDiff.lines(a.payload, b.payload)
                )
            }
        }
        return nil
    }

    /// `{"a": {"org", "root", "last_committed_tick", "entries", "problems"}, "b": {…}, "different": bool,
    /// "agents": [{"agent", "a": figures | null, "b": figures | null, "differences": [name]}],
    /// "total": {"a", "b", "differences"}, "only_in_a": [name], "only_in_b": [name],
    /// "first_difference": {"position", "tick", "a": entry | null, "b": entry | null, "fields",
    /// "payload_diff"} | null}`. Figures: turns, entries, tokens_in, tokens_out, cost, violations,
    /// stop_reasons.
    public func json(rootA: String, rootB: String) -> JSONValue {
        func side(_ stats: OrgStats, root: String, entries: Int) -> JSONValue {
            [
                "org": .string(stats.orgName), "root": .string(root),
                "last_committed_tick": .int(stats.lastCommittedTick), "entries": .int(entries),
                "problems": .strings(stats.problems),
            ]
        }
        return [
            "a": side(a, root: rootA, entries: entryCounts.a), "b": side(b, root: rootB, entries: entryCounts.b),
            "different": .bool(isDifferent), "agents": .array(rows.map(\.json)), "total": total.json,
            "only_in_a": .strings(onlyInA), "only_in_b": .strings(onlyInB),
            "first_difference": firstDifference?.json ?? .null,
        ]
    }
}
