import Foundation
import LemmingCore
import LemmingProviders

#if canImport(Glibc)
import Glibc
#endif

/// The engine benchmarks of issue 2 and the API benchmark of issue 6.
///
/// Orgs are removed only at the end: on ext4 without a journal, files deleted in the last minutes
/// slow down every file creation, which would penalise the benchmarks that follow.
final class Benchmarks {
    let directory: String
    private(set) var created: [BenchOrg] = []

    init(directory: String) {
        self.directory = directory
    }

    func make(agents: Int, reads: Int) throws -> BenchOrg {
        let org = try BenchOrg.make(in: directory, agents: agents, reads: reads)
        created.append(org)
        return org
    }

    func removeAll() {
        created.forEach { $0.remove() }
        created = []
    }

    /// 100 agents × 100 ticks, parallel mode, scripted replies: every agent posts a message and
    /// updates its memory every tick, and reads three neighbours. Beside each run, the floor
    /// (``FloorWork``): the same files written by a minimal program on the same disk, from the
    /// files of the run before (the first run's own), engine and floor in alternating order.
    func headline(runs: Int) async throws {
        var openTimes: [Double] = []
        var tickTimes: [Double] = []
        var floorTimes: [Double] = []
        var work: FloorWork?
        func floor(_ run: Int) throws {
            guard let work else { return }
            let target = directory + "/lemming-bench-floor-" + UUID().uuidString.lowercased()
            created.append(BenchOrg(root: target))
            let time = try work.run(into: target)
            floorTimes.append(time)
            print("headline run \(run): floor \(format(time)) s")
        }
        for run in 1...runs {
            if run % 2 == 0 { try floor(run) }
            let org = try make(agents: 100, reads: 3)
            let (open, ticks, _) = try await org.measure(ticks: 100)
            openTimes.append(open)
            tickTimes.append(ticks.reduce(0, +))
            print("headline run \(run): open \(format(open)) s, 100 ticks \(format(ticks.reduce(0, +))) s")
            if run == 1 { work = try FloorWork.load(from: org.root) }
            if run % 2 == 1 { try floor(run) }
        }
        print(
            "headline: 100 agents × 100 ticks: median \(format(median(tickTimes))) s of engine time "
                + "(min \(format(tickTimes.min() ?? 0)), max \(format(tickTimes.max() ?? 0)); open median \(format(median(openTimes))) s)"
        )
        print(
            "floor: the same file work: median \(format(median(floorTimes))) s (min \(format(floorTimes.min() ?? 0)), "
                + "max \(format(floorTimes.max() ?? 0)); \(work.map { "\($0.bytes / 1024) KiB" } ?? "")); "
                + "engine ÷ floor \(String(format: "%.2f", median(tickTimes) / median(floorTimes)))")
    }

    /// The floor alone (``FloorWork``), from the files of a headline run kept in `source`
    /// (`lemming-bench headline --runs 1 --keep`): for `strace -c` against the engine's run.
    func floor(from source: String, runs: Int) throws {
        let work = try FloorWork.load(from: source)
        var times: [Double] = []
        for run in 1...runs {
            let target = directory + "/lemming-bench-floor-" + UUID().uuidString.lowercased()
            created.append(BenchOrg(root: target))
            times.append(try work.run(into: target))
            print("floor run \(run): \(format(times[times.count - 1])) s")
        }
        print("floor: \(work.commits.count) commits, \(work.bytes / 1024) KiB: median \(format(median(times))) s")
    }

    /// What the state history costs the headline run: runs with and without it, alternately (the
    /// machine's drift touches both alike), their medians, and the history's size against the
    /// org's files.
    func stateHistory(runs: Int) async throws {
        var with: [Double] = []
        var without: [Double] = []
        var historyBytes: [Double] = []
        var orgBytes: [Double] = []
        for run in 1...runs {
            for recordsHistory in run % 2 == 0 ? [false, true] : [true, false] {
                let org = try make(agents: 100, reads: 3)
                let (_, ticks, _) = try await org.measure(ticks: 100, recordsHistory: recordsHistory)
                let total = ticks.reduce(0, +)
                if recordsHistory {
                    with.append(total)
                    historyBytes.append(Double(FileSystem.info(org.root + "/" + StateHistory.file)?.size ?? 0))
                    orgBytes.append(Double(org.bytesOnDisk()))
                } else {
                    without.append(total)
                }
                print("state-history run \(run) \(recordsHistory ? "with" : "without"): \(format(total)) s")
                org.remove()
            }
        }
        let slowdown = (median(with) / median(without) - 1) * 100
        print(
            "state-history: 100 agents × 100 ticks: with \(format(median(with))) s, without \(format(median(without))) s "
                + "(medians of \(runs)): \(String(format: "%+.1f", slowdown)) %; history \(format(median(historyBytes) / 1_048_576)) MiB "
                + "of \(format(median(orgBytes) / 1_048_576)) MiB of org files (\(String(format: "%.1f", median(historyBytes) / median(orgBytes) * 100)) %)"
        )
    }

    /// 100 agents × 1,000 ticks without retention: ticks 901–1000 against ticks 1–100.
    func history() async throws {
        let org = try make(agents: 100, reads: 3)
        let (_, ticks, _) = try await org.measure(ticks: 1000)
        let early = ticks[0..<100].reduce(0, +)
        let late = ticks[900..<1000].reduce(0, +)
        print(
            "history: ticks 1–100 \(format(early)) s, ticks 901–1000 \(format(late)) s, "
                + "ratio \(String(format: "%.2f", late / early)); median tick \(format(median(Array(ticks[0..<100])) * 1000)) ms "
                + "vs \(format(median(Array(ticks[900..<1000])) * 1000)) ms; entries on disk \(org.entryCount())")
    }

    /// 10,000 agents all firing in one tick.
    func wide() async throws {
        let org = try make(agents: 10_000, reads: 1)
        let before = peakResidentMegabytes()
        let (open, ticks, entries) = try await org.measure(ticks: 1)
        print(
            "wide: 10,000 agents in one tick: open \(format(open)) s, tick \(format(ticks[0])) s, "
                + "\(entries) entries written; peak RSS \(format(peakResidentMegabytes())) MB (before the org was loaded: \(format(before)) MB)"
        )
    }

    /// Request latency of the HTTP API on 100 agents × 1,000 entries.
    func api(runs: Int, requests: Int) async throws {
        let org = try make(agents: 100, reads: 3)
        try await Self.fillAPIOrg(org, label: "api")
        try await APIBenchmark(org: org, requests: requests).run(runs: runs)
    }

    /// The API benchmark's org in `root`, kept there (`lemming-bench make-org DIR`): the dashboard
    /// benchmark (`scripts/bench-dashboard`) measures a browser on it.
    static func makeAPIOrg(at root: String) async throws {
        try await fillAPIOrg(BenchOrg.make(at: root, agents: 100, reads: 3), label: "make-org \(root)")
    }

    /// Runs the headline workload for 1,000 ticks: 100 agents × 1,000 entries.
    private static func fillAPIOrg(_ org: BenchOrg, label: String) async throws {
        let (_, ticks, entries) = try await org.measure(ticks: 1000)
        print("\(label): org made in \(format(ticks.reduce(0, +))) s, \(entries) entries")
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Progress lines go out as they come, also into a file or a pipe (`print` buffers them there).
/// Writes a line to standard output, unbuffered; a closed or full output is ignored.
func print(_ line: String) {
    let output = FileHandle.standardOutput
    try? output.write(contentsOf: Data((line + "\n").utf8))
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
