import ArgumentParser
import LemmingCore
import LemmingOrgView

/// `lemming compare DIR_A DIR_B`: two runs side by side, and the first entry where they differ.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs (orgs) per agent, and show the first entry where they differ.",
        discussion: """
            For each agent: turns, entries, tokens, cost, violations and stop reasons in A and in B; a figure \
            that differs is shown as A → B and its row marked with *. Agents only one run has are listed. Then \
            the entries of both runs are walked in the same order (tick, then author, then id) and the first \
            whose id, author, recipients, kind or payload differ is shown, with a short diff of the payloads \
            (timestamps are not compared). The exit status is 0 whether or not the runs differ (this is a \
            report); --fail-on-difference makes it 1 when they differ, for CI. --json prints the whole \
            comparison.
            """
    )

    @Argument(help: "The first run: an org directory.")
    var dirA: String

    @Argument(help: "The second run: an org directory.")
    var dirB: String

    @Flag(help: "Exit with status 1 when the runs differ.")
    var failOnDifference = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rootA = try OrgOptions.root(dirA)
        let rootB = try OrgOptions.root(dirB)
        let historyA = try RunHistory.read(root: rootA)
        let historyB = try RunHistory.read(root: rootB)
        let comparison = try RunComparison(a: historyA, b: historyB)
        if output.json {
            try Terminal.printJSON(comparison.json(rootA: rootA, rootB: rootB))
        } else {
            for problem in historyA.problems { Terminal.printError("warning: A: \(problem)") }
            for problem in historyB.problems { Terminal.printError("warning: B: \(problem)") }
            for line in Self.lines(comparison, rootA: rootA, rootB: rootB) { try Terminal.print(line) }
        }
        if failOnDifference, comparison.isDifferent { throw ExitCode(1) }
    }

    static func lines(_ comparison: RunComparison, rootA: String, rootB: String) -> [String] {
        let a = comparison.a
        let b = comparison.b
        var lines = [
            "A: \(rootA) (\(a.orgName), \(a.lastCommittedTick) ticks, \(comparison.entryCounts.a) entries)",
            "B: \(rootB) (\(b.orgName), \(b.lastCommittedTick) ticks, \(comparison.entryCounts.b) entries)",
        ]
        let both = comparison.rows.filter { $0.a != nil && $0.b != nil }
        var rows = both.map { row($0.agent ?? "", $0) }
        rows.append(row("total", comparison.total))
        lines.append(
            Table.render(
                header: [
                    "", "AGENT", "TURNS", "ENTRIES", "TOKENS IN", "TOKENS OUT", "COST", "VIOLATIONS", "STOP REASONS",
                ],
                rows: rows))
        if !comparison.onlyInA.isEmpty { lines.append("only in A: " + comparison.onlyInA.joined(separator: ", ")) }
        if !comparison.onlyInB.isEmpty { lines.append("only in B: " + comparison.onlyInB.joined(separator: ", ")) }
        if let difference = comparison.firstDifference {
            lines.append("first difference: entry \(difference.position + 1), tick \(difference.tick)")
            lines.append("  A: " + (difference.a.map(describe) ?? "no entry (A has \(comparison.entryCounts.a))"))
            lines.append("  B: " + (difference.b.map(describe) ?? "no entry (B has \(comparison.entryCounts.b))"))
            if !difference.fields.isEmpty {
                lines.append("  differs in: " + difference.fields.joined(separator: ", "))
            }
            lines += difference.payloadDiff.map { "  " + $0 }
        } else {
            lines.append("the entries are the same (\(comparison.entryCounts.a))")
        }
        lines.append(comparison.isDifferent ? "the runs differ" : "the runs are the same")
        return lines
    }

    /// A table row: each compared figure, `A → B` where they differ; `*` marks a row that differs.
    private static func row(_ name: String, _ row: RunComparison.Row) -> [String] {
        let a = row.a ?? RunFigures()
        let b = row.b ?? RunFigures()
        func cell(_ left: String, _ right: String) -> String { left == right ? left : "\(left) → \(right)" }
        return [
            row.differences.isEmpty ? " " : "*", name, cell(String(a.turns), String(b.turns)),
            cell(String(a.entries), String(b.entries)), cell(String(a.tokensIn), String(b.tokensIn)),
            cell(String(a.tokensOut), String(b.tokensOut)), cost(a.cost, b.cost),
            cell(String(a.violations), String(b.violations)), cell(stopReasons(a), stopReasons(b)),
        ]
    }

    /// Both costs in credits to 4 decimals, or in full when they differ only beyond those.
    private static func cost(_ a: Double, _ b: Double) -> String {
        let (left, right) = (Terminal.credits(a), Terminal.credits(b))
        if a == b { return left }
        return left == right ? "\(a) → \(b)" : "\(left) → \(right)"
    }

    /// `completed 12, provider_failed 1`.
    private static func stopReasons(_ figures: RunFigures) -> String {
        let text = figures.stopReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return text.isEmpty ? "-" : text.joined(separator: ", ")
    }

    /// `00000003-coder-01 coder → reviewer [message]`.
    private static func describe(_ entry: OutboxEntry) -> String {
        let to = entry.recipients.map { $0.isEmpty ? "nobody" : $0.joined(separator: ", ") } ?? "its readers"
        return "\(entry.id.text) \(entry.author) → \(to) [\(entry.kind)]"
    }
}
