import Foundation
import LemmingCore
import Synchronization

/// What `lemming run` shows while it runs: one line per tick, or on a terminal a single status line
/// rewritten after every tick (tick, turns, entries, spend, failures so far).
final class RunProgress: Sendable {
    private struct Totals {
        var ticks = 0
        var turns = 0
        var entries = 0
        var cost = 0.0
        var failures = 0
        var lineShown = false
    }

    private let live: Bool
    private let quiet: Bool
    private let totals = Mutex(Totals())

    init(live: Bool, quiet: Bool) {
        self.live = live
        self.quiet = quiet
    }

    func record(_ report: TickReport) {
        guard !quiet else { return }
        guard live else {
            Terminal.print(RunCommand.line(for: report))
            return
        }
        let line = totals.withLock { totals -> String in
            if !report.wasPaused {
                totals.ticks += 1
                totals.turns += report.turns.count
                totals.entries += report.entriesWritten
                totals.cost += report.cost
                totals.failures += report.failures
            }
            totals.lineShown = true
            let state = report.wasPaused ? " · paused" : ""
            return "tick \(report.tick) · \(totals.turns) turns · \(totals.entries) entries · "
                + "\(Terminal.credits(totals.cost)) credits · \(totals.failures) failed\(state)"
        }
        // Rewrite the status line in place.
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    /// Ends the status line so the summary starts on a line of its own.
    func finish() {
        if totals.withLock({ $0.lineShown }) { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
