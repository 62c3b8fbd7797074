import ArgumentParser
import LemmingCore

/// `lemming step`: runs exactly one tick.
struct StepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "step", abstract: "Run exactly one tick.")

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let root = try org.resolve()
        let report = try await Engine.step { try await EngineFactory.open(root: root) }
        if output.json {
            try Terminal.printJSON(report.json)
        } else {
            try Terminal.print(RunCommand.line(for: report))
            for turn in report.turns {
                var line =
                    "  \(turn.agent): \(turn.stopReason.rawValue), \(turn.entries) entr\(turn.entries == 1 ? "y" : "ies")"
                if let error = turn.error { line += " (\(error))" }
                try Terminal.print(line)
            }
            for name in report.skipped.keys.sorted(by: Names.precedes) {
                try Terminal.print("  \(name): skipped (\(report.skipped[name]?.rawValue ?? ""))")
            }
        }
    }
}
