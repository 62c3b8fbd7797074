import Foundation
import LemmingJSON
import Synchronization

/// `lemming replay` (issue 15, DESIGN §5.7): re-runs ticks of an org in a scratch copy, feeding
/// each turn the reply recorded in its turn record and each tool call with external effects its
/// recorded result (no network, nothing outside the copy touched), and compares each tick's
/// commit with the original's: entries, memory, turn records, ledger, cursors, agent runtimes.
///
/// The copy starts as the org was after the tick before the first replayed one (``OrgCopy``);
/// what happened between ticks in the original (the human's messages, top-ups, pauses: the
/// commits of commands) is brought in from the original's history before the tick they preceded.
/// Wall-clock times and durations are compared apart from the rest: a run made with a fixed clock
/// (`LEMMING_FIXED_TIME`) reproduces byte for byte, any other reproduces "apart from times".
package enum OrgReplay {
    /// Where a replayed tick first differs from the original.
    package struct Divergence: Sendable, Equatable {
        package var tick: Int
        /// The file (relative to the org), with the agent it belongs to when it is an agent's.
        package var file: String
        package var agent: String?
        /// Where in the file (a JSON path such as `payload.text`, or `line 2`), and both values.
        package var location: String
        package var expected: String
        package var actual: String
    }

    /// What a replay found.
    package struct Report: Sendable {
        package var from: Int
        package var to: Int
        package var turns = 0
        package var divergence: Divergence?
        /// Every compared byte was equal, times and durations included.
        package var isExact = true
    }

    /// Fields that hold wall-clock times or measured durations.
    static let volatileKeys: Set<String> = ["created_at", "started_at", "updated_at", "duration_ms"]

    /// Replays ticks `from` through `to` (default: the whole history) of the org at `source` in a
    /// scratch folder `scratch` (made, and left for inspection), with `tools` for the calls that
    /// have no external effects.
    ///
    /// - Throws: ``LemmingError`` for ticks the history does not hold, or what opening and running
    ///   the scratch engine throws.
    package static func run(
        _ source: OrgPaths, from: Int?, to: Int?, tools: any ToolFactory, scratch: String
    ) async throws -> Report {
        let history = try StateHistoryFile.read(source)
        let first = from ?? history.firstTick + 1
        let last = to ?? history.lastTick
        guard first > history.firstTick else {
            throw LemmingError(
                .invalidArgument,
                "the state history starts after tick \(history.firstTick): replay from tick \(history.firstTick + 1) on",
                field: "--from")
        }
        guard first <= last, last <= history.lastTick else {
            throw LemmingError(
                .invalidArgument,
                "nothing to replay from tick \(first) to \(last) (the last committed tick is \(history.lastTick))",
                field: "--to")
        }
        _ = try OrgCopy.fork(source, at: first - 1, into: scratch)
        let target = OrgPaths(root: scratch)
        // The org's definition as it is now: what the replay checks (an edited resume, new settings).
        try useCurrentDefinition(of: source, in: target)
        let turns = try RecordedTurns(source, ticks: first...last)
        let clock = ReplayClock()
        var report = Report(from: first, to: last)
        var engine: Engine?
        do {
            try await replay(
                ticks: first...last, history: history, source: source, target: target, turns: turns, clock: clock,
                tools: tools, engine: &engine, report: &report)
        } catch {
            await engine?.close()
            throw error
        }
        await engine?.close()
        return report
    }

    private static func replay(
        ticks: ClosedRange<Int>, history: StateHistoryFile, source: OrgPaths, target: OrgPaths, turns: RecordedTurns,
        clock: ReplayClock, tools: any ToolFactory, engine: inout Engine?, report: inout Report
    ) async throws {
        // Each tick is compared from what it appended: the original's lines grouped once, the
        // copy's history read as it grows, turn records read from the range each commit wrote.
        let linesByTick = Dictionary(grouping: history.lines.filter { !$0.isBase }, by: \.tick)
        let sourceLogsBefore = HistoryTail.turnLogsBeforeCommits(of: history)
        var copy = HistoryTail(paths: target)
        _ = try copy.read()
        for tick in ticks {
            let lines = linesByTick[tick] ?? []
            guard let committed = lines.last(where: { $0.label == "tick" }) else { continue }
            // Commands the original applied before this tick (the human's messages, top-ups).
            let between = lines.prefix { $0.label != "tick" }.filter { $0.label == "control" }
            if !between.isEmpty {
                await engine?.close()
                engine = nil
                for line in between { try OrgRollForward.apply(line, from: source, to: target, definition: false) }
            }
            clock.set(turns.startTime(of: tick))
            if engine == nil {
                engine = try await Engine.open(
                    Engine.Configuration(
                        root: target.root, providers: RecordedTurnProviders(turns), clock: clock, tools: tools))
            }
            guard let running = engine else { break }
            let outcomes = OutcomeLog(path: target.outcomes)
            try FileSystem.makeDirectory(target.journal)
            for record in turns.toolRecords(tick: tick) { try outcomes.append(record) }
            let ran = try await running.runTick()
            report.turns += ran.turns.count
            let replayed = try copy.read().last { $0.line.label == "tick" && $0.line.tick == tick }
            let comparison = try TickComparison.compare(
                expected: committed, in: source, logsBefore: sourceLogsBefore[tick] ?? [:], actual: replayed?.line,
                in: target, logsBefore: replayed?.turnLogsBefore ?? [:], tick: tick)
            report.isExact = report.isExact && comparison.isExact
            if let divergence = comparison.divergence {
                report.divergence = divergence
                return
            }
        }
    }
}

extension OrgReplay {
    /// Copies the source's resumes, `lemming.json` and `models.json` as they are now over the copy's.
    static func useCurrentDefinition(of source: OrgPaths, in target: OrgPaths) throws {
        var files = [source.config, source.models]
        for agent in try FileSystem.list(source.agents) ?? [] where FileSystem.exists(source.resume(agent)) {
            if FileSystem.exists(target.agent(agent)) { files.append(source.resume(agent)) }
        }
        for file in files {
            guard let bytes = try FileSystem.readIfPresent(file) else { continue }
            try FileSystem.writeAtomically(bytes, to: target.absolute(source.relative(file)))
        }
    }
}

/// A wall clock the replay sets to each tick's recorded time; durations are zero.
final class ReplayClock: WallClock {
    private let instant = Mutex(Date(timeIntervalSince1970: 0))

    func set(_ date: Date?) {
        if let date { instant.withLock { $0 = date } }
    }

    func now() -> Date { instant.withLock { $0 } }
    func monotonicNanoseconds() -> UInt64 { 0 }
}
