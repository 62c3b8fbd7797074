import ArgumentParser
import LemmingCore

/// `lemming step`: runs exactly one tick.
struct StepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "step", abstract: "Run exactly one tick.")

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Terminal.guarded {
            let engine = try await EngineFactory.open(root: try org.resolve())
            if await engine.reachedMaxTicks {
                await engine.close()
                let limit = await engine.configuration.maxTicks ?? 0
                throw LemmingError(
                    .invalidArgument, "the org reached max_ticks (\(limit)) in lemming.json", path: "lemming.json")
            }
            let report: TickReport
            do {
                report = try await engine.runTick()
            } catch {
                await engine.close()
                throw error
            }
            await engine.close()
            if output.json {
                Terminal.printJSON(report.json)
            } else {
                Terminal.print(RunCommand.line(for: report))
                for turn in report.turns {
                    var line =
                        "  \(turn.agent): \(turn.stopReason.rawValue), \(turn.entries) entr\(turn.entries == 1 ? "y" : "ies")"
                    if let error = turn.error { line += " (\(error))" }
                    Terminal.print(line)
                }
                for name in report.skipped.keys.sorted(by: Names.precedes) {
                    Terminal.print("  \(name): skipped (\(report.skipped[name]?.rawValue ?? ""))")
                }
            }
        }
    }
}
