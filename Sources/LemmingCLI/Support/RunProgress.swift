import Foundation
import LemmingCore
import Synchronization

/// What `lemming run` shows while it runs: one line per tick, or on a terminal a single status line
/// rewritten after every tick (tick, turns, entries, spend, failures so far).
///
/// It is called from the engine's callbacks, which cannot throw: the first output error is kept
/// (nothing more is written after it) and ``check()`` throws it once the run is over.
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
    private let failure = Mutex<OutputError?>(nil)

    init(live: Bool, quiet: Bool) {
        self.live = live
        self.quiet = quiet
    }

    func record(_ report: TickReport) {
        guard !quiet else { return }
        guard live else {
            say(RunCommand.line(for: report))
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
        write("\r\u{1B}[2K" + line)
    }

    /// Ends the status line so the summary starts on a line of its own.
    func finish() {
        if totals.withLock({ $0.lineShown }) { write("\n") }
    }

    /// Prints a line (the run's summary).
    func say(_ line: String) {
        write(line + "\n")
    }

    /// - Throws: the first ``OutputError`` of the run, if there was one.
    func check() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func write(_ text: String) {
        guard failure.withLock({ $0 == nil }) else { return }
        do {
            try Terminal.write(text)
        } catch let error as OutputError {
            failure.withLock { $0 = $0 ?? error }
        } catch {}
    }
}
