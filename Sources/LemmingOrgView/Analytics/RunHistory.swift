import LemmingCore
import LemmingJSON

/// What a run left on disk, as `lemming stats` and `lemming compare` read it: the figures of every
/// turn record (`agents/<name>/logs/turns.jsonl`), every outbox entry with archived ones
/// (`archive/outbox/<name>/`), and the balances of `state/ledger.json` (DESIGN §4, §5.7).
///
/// Read from the files without the engine lock, so it works while an engine runs (what a tick
/// being committed writes may be seen in part). It does not read `logs/engine.jsonl`: the event
/// log is rotated away, while the turn records hold every turn (a loop detection is a turn that
/// stopped with `loop_detected`).
public struct RunHistory: Sendable {
    public var orgName: String
    public var root: String
    /// The agents, sorted: those with a resume, and any other with turn records (removed since).
    public var agents: [String]
    /// Each agent's turns, oldest first.
    public var turns: [String: [TurnFacts]]
    /// Every entry of the org (the human's too), live and archived, in id order: by tick, then
    /// author, then sequence (``EntryID``).
    public var entries: [OutboxEntry]
    /// The balances of `state/ledger.json` (agents that have not run yet: their starting balance).
    public var balances: [String: Double]
    public var lastCommittedTick: Int
    /// What was left out, one line each: `agents/a/logs/turns.jsonl:12: not a turn record`,
    /// an entry file that cannot be read.
    public var problems: [String]

    public init(
        orgName: String = "", root: String = "", agents: [String], turns: [String: [TurnFacts]],
        entries: [OutboxEntry], balances: [String: Double] = [:], lastCommittedTick: Int = 0, problems: [String] = []
    ) {
        self.orgName = orgName
        self.root = root
        self.agents = agents
        self.turns = turns
        self.entries = entries
        self.balances = balances
        self.lastCommittedTick = lastCommittedTick
        self.problems = problems
    }

    /// Reads the history of the org at `root`.
    ///
    /// - Throws: ``LemmingError`` when it is not an org, a state file is corrupt, or a folder or
    ///   log cannot be read.
    public static func read(root: String) throws -> RunHistory {
        try read(OrgView.load(root: root))
    }

    /// Reads the history of the org `view` shows.
    ///
    /// - Throws: ``LemmingError`` `.io` when a folder or a turn log cannot be read.
    public static func read(_ view: OrgView) throws -> RunHistory {
        var problems: [String] = []
        var turns: [String: [TurnFacts]] = [:]
        let authors = try view.authors()
        for agent in authors where agent != Names.human {
            let file = view.paths.relative(view.paths.turns(agent))
            var facts: [TurnFacts] = []
            try view.forEachTurnRecord(of: agent) { record, line in
                if let turn = record.flatMap(TurnFacts.init(record:)) {
                    facts.append(turn)
                } else {
                    problems.append("\(file):\(line): not a turn record (left out)")
                }
            }
            if !facts.isEmpty { turns[agent] = facts }
        }
        var entries: [OutboxEntry] = []
        for author in authors {
            let live = try view.entryIDs(of: author)
            let known = Set(live)
            // An entry being archived can be in both folders for an instant: it counts once.
            let archived = try view.archivedEntryIDs(of: author).filter { !known.contains($0) }
            for (ids, isArchived) in [(live, false), (archived, true)] {
                for id in ids {
                    switch view.entry(id, archived: isArchived) {
                    case .success(let entry): entries.append(entry)
                    case .failure(let error): problems.append("\(error.description) (left out)")
                    }
                }
            }
        }
        entries.sort { $0.id < $1.id }
        let agents = Set(view.agentNames).union(turns.keys).sorted(by: Names.precedes)
        var balances: [String: Double] = [:]
        for agent in agents { balances[agent] = view.balance(of: agent) }
        return RunHistory(
            orgName: view.config.name, root: view.paths.root, agents: agents, turns: turns, entries: entries,
            balances: balances, lastCommittedTick: view.tick.lastCommittedTick, problems: problems)
    }
}
