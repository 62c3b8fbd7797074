import ArgumentParser
import LemmingCore
import LemmingOrgView

/// `lemming stats`: each agent's performance over the run, and the org's totals.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show each agent's turns, tokens, cost, cost per entry, violations, failures and response time.",
        discussion: """
            Read from the files: the turn records (agents/<name>/logs/turns.jsonl), the outboxes and the archive, \
            and the balances of state/ledger.json. TURNS counts turn records, FAILED those that produced nothing \
            (provider_failed, truncated, refused, empty_reply), LOOPS those that stopped with loop_detected. \
            ENTRIES are those the turns wrote; COST/ENTRY is their cost divided by them. VIOLATIONS is the share \
            of turns whose reply broke the contract, with the number of violations. RESPONSE is the median number \
            of ticks from a request to its response, with how many were answered: a request is any entry answered by an agent \
            other than its author, its response an entry whose reply_to names it; for each request and responder \
            only the first response counts, and it counts for the responder. With --from-tick/--to-tick, a turn counts when \
            its tick is in the range, a response when its tick is. --json prints the figures as GET /api/stats \
            answers.
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(name: .customLong("agent"), help: "Only these agents (a list: a value several times, or commas).")
    var agents: [String] = []

    @Option(help: "From this tick on.")
    var fromTick: Int?

    @Option(help: "Up to this tick.")
    var toTick: Int?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        for (name, tick) in [("--from-tick", fromTick), ("--to-tick", toTick)] where (tick ?? 0) < 0 {
            throw ValidationError("\(name) must be zero or more")
        }
        if let fromTick, let toTick, fromTick > toTick {
            throw ValidationError("--from-tick must not be after --to-tick")
        }
    }

    func run() async throws {
        let history = try RunHistory.read(root: try org.resolve())
        let names = SearchCommand.list(agents)
        let filter = OrgStats.Filter(agents: names.isEmpty ? nil : names, fromTick: fromTick, toTick: toTick)
        let stats = try OrgStats(history: history, filter: filter)
        if output.json {
            try Terminal.printJSON(stats.json)
            return
        }
        for problem in stats.problems { Terminal.printError("warning: \(problem)") }
        try Terminal.print("\(stats.orgName): \(Self.describe(filter, last: stats.lastCommittedTick))")
        let rows = stats.agents.map { Self.row($0.agent, $0.figures) } + [Self.row("total", stats.total)]
        try Terminal.print(
            Table.render(
                header: [
                    "AGENT", "TURNS", "FAILED", "LOOPS", "TOKENS IN", "TOKENS OUT", "COST", "ENTRIES", "COST/ENTRY",
                    "VIOLATIONS", "RESPONSE",
                ], rows: rows))
    }

    /// `ticks 1 to 12 (of 12)`.
    static func describe(_ filter: OrgStats.Filter, last: Int) -> String {
        let from = max(filter.fromTick ?? 1, 1)
        let to = min(filter.toTick ?? last, last)
        guard from <= to else { return "no committed tick in the range (last committed tick \(last))" }
        return "ticks \(from) to \(to) (of \(last))"
    }

    static func row(_ name: String, _ figures: RunFigures) -> [String] {
        let violations = figures.violationRate.map { "\(Self.percent($0)) (\(figures.violations))" } ?? "-"
        let response = figures.medianResponseTicks.map { "\(Self.number($0)) (\(figures.responses))" } ?? "-"
        return [
            name, String(figures.turns), String(figures.failedTurns), String(figures.loopDetections),
            figures.tokensCacheRead > 0
                ? "\(figures.tokensIn) (\(figures.tokensCacheRead) cached)" : String(figures.tokensIn),
            String(figures.tokensOut), Terminal.credits(figures.cost),
            String(figures.entries),
            figures.costPerEntry.map(Terminal.credits) ?? "-", violations, response,
        ]
    }

    /// `25%`, `33.3%`.
    static func percent(_ rate: Double) -> String {
        number((rate * 1000).rounded() / 10) + "%"
    }

    /// `2`, `1.5`.
    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
