import ArgumentParser
import Foundation
import LemmingCore
import LemmingSearch
import Logging
import ServiceLifecycle
import UnixSignals

/// `lemming run`: runs ticks.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run ticks: --ticks N more, or until idle, or (with neither) forever at the org's tick period.",
        discussion: """
            With --ticks or --until-idle, ticks run back to back unless --period is given. Without them, a tick \
            starts every tick_period_seconds until max_ticks or Ctrl-C. Ctrl-C (or SIGTERM) lets the current tick \
            finish and commit, then stops; Ctrl-\\ (SIGQUIT), or a tick still running a minute later, abandons the \
            tick instead (nothing of it is committed; it runs again next time).
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(help: "Run this many more ticks.")
    var ticks: Int?

    @Flag(help: "Stop after a tick that wrote nothing when no agent has anything new to read.")
    var untilIdle = false

    @Option(
        help:
            "Seconds between tick starts (default: back to back with --ticks/--until-idle, else the org's tick period)."
    )
    var period: Double?

    @Flag(help: "Print only the final summary.")
    var quiet = false

    @Flag(help: ArgumentHelp(Self.dryRunHelp))
    var dryRun = false

    static let dryRunHelp =
        "Run on a scratch copy with simulated models and no outside effects, and report what would happen and cost "
        + "(--ticks N, default 1, or --until-idle)."

    @Option(
        help: "With --dry-run: answer model calls from this cassette (by agent and tick) instead of the simulation.")
    var cassette: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if cassette != nil, !dryRun { throw ValidationError("--cassette goes with --dry-run") }
        if let ticks, ticks < 1 { throw ValidationError("--ticks must be at least 1") }
        if let period, !(period >= 0) { throw ValidationError("--period must be zero or more seconds") }
    }

    func run() async throws {
        let root = try org.resolve()
        if dryRun {
            let cassette = self.cassette.map { OrgOptions.absolute($0, from: FileManager.default.currentDirectoryPath) }
            let (text, json) = try await DryRun.run(root: root, ticks: ticks, untilIdle: untilIdle, cassette: cassette)
            if output.json { try Terminal.printJSON(json) } else { try Terminal.print(text) }
            return
        }
        // The search index follows the run in this process; the engine never waits for it.
        let indexer = SearchIndexer(index: SearchIndex(OrgPaths(root: root), logger: EngineFactory.logger()))
        try await Engine.withEngine(EngineFactory.configuration(root: root, sinks: [indexer], runsTicks: true)) {
            try await run(on: $0, indexer: indexer)
        }
        // The engine's last events (its last tick's, engine_stopped) are published as it closes.
        indexer.update(follow: false)
    }

    private func run(on engine: Engine, indexer: SearchIndexer) async throws {
        let config = await engine.configuration
        let continuous = ticks == nil && !untilIdle
        let seconds = period ?? (continuous ? config.tickPeriodSeconds : 0)
        let plan = EngineService.Plan(
            ticks: ticks ?? (untilIdle ? 1000 : nil), untilIdle: untilIdle,
            period: seconds > 0 ? Deadline.seconds(seconds) : nil, waitsWhilePaused: continuous)
        let progress = RunProgress(live: !quiet && Style.canRedrawLine, quiet: quiet)
        let service = EngineService(
            engine: engine, plan: plan,
            onTick: { report in progress.record(report) },
            onEnd: { ending, count in
                let next = await engine.nextTick
                progress.finish()
                progress.say(
                    "ran \(count) tick\(count == 1 ? "" : "s") (\(RunCommand.describe(ending))); next tick \(next)")
            })
        // Ctrl-C or SIGTERM: the tick in progress finishes and commits. If that takes longer than
        // a minute, or on Ctrl-\ (SIGQUIT), it is abandoned: nothing of it is committed.
        var configuration = ServiceGroupConfiguration(
            // Shut down in reverse: the engine finishes its tick, then the index takes the last events.
            services: [
                .init(service: indexer),
                .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [.sigquit],
            logger: EngineFactory.logger())
        configuration.maximumGracefulShutdownDuration = .seconds(60)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch is CancellationError {
            progress.finish()
            let next = await engine.nextTick
            try progress.check()
            try Terminal.print(
                "stopped: the tick in progress was abandoned (it runs again next time); next tick \(next)")
            throw ExitCode(130)
        }
        try progress.check()
    }

    static func line(for report: TickReport) -> String {
        if report.wasPaused { return "tick \(report.tick): engine paused (lemming resume to continue)" }
        var parts = ["\(report.turns.count) turn\(report.turns.count == 1 ? "" : "s")"]
        if report.failures > 0 { parts[0] += " (\(report.failures) failed)" }
        parts.append("\(report.entriesWritten) entr\(report.entriesWritten == 1 ? "y" : "ies")")
        parts.append("\(Terminal.credits(report.cost)) credits")
        if !report.skipped.isEmpty { parts.append("\(report.skipped.count) skipped") }
        return "tick \(report.tick): " + parts.joined(separator: ", ")
    }

    static func describe(_ ending: EngineService.Ending) -> String {
        switch ending {
        case .ranAllTicks: return "done"
        case .idle: return "idle: nothing new to read"
        case .maxTicks: return "reached max_ticks"
        case .paused: return "the engine is paused; lemming resume to continue"
        case .shutdown: return "stopped"
        }
    }
}
