import Foundation
import LemmingCore
import LemmingProviders

// `swift run -c release lemming-bench [headline|history|wide|api|indexing|state-history|all] [--runs N] [--dir DIR]
// [--keep]`
// The engine benchmarks recorded in BENCHMARKS.md. Orgs are created under --dir (default: the
// system's temporary directory, which must be on an ordinary disk for the headline figure) and
// removed when every benchmark is done (or kept with --keep). `indexing` is the headline workload
// with and without a search index kept current, `state-history` with and without the state history
// (neither part of `all`). `fan-out [--fan-out-agents 100,1000] [--latency 0.2] [--compare-pool]`
// times one tick of that many agents against one local endpoint answering after the latency
// (not part of `all`). `caching` reports tokens and cost per turn with and without prompt caching
// (not part of `all`).
// `headline` also reports the floor: the same file work done by a minimal program (FloorWork).
// `lemming-bench floor ORG [--runs N]` does only that work, from the files of a kept headline run.
// `lemming-bench make-org DIR` only writes the API benchmark's org (100 agents × 1,000 entries)
// to the new folder DIR and keeps it.
// `lemming-bench embed --org DIR --model KEY TEXT…` (hidden, for scripts/e2e-embeddings.sh)
// embeds texts with an org's model and prints one JSON line (see EmbedCheck).
// `lemming-bench make-history DIR [--entries N] [--agents N] [--archived-fraction F] [--seed N]`
// writes an org with a long history directly as files (default 1,000,000 entries, 100 agents,
// 30 % archived); `lemming-bench search DIR [--rebuilds N] [--samples N] [--budget SECONDS]`
// measures its search index: rebuild time, size and query latency.

struct Options {
    var suite = "all"
    var runs = 5
    var directory = NSTemporaryDirectory()
    var keep = false
    var requests = 200
    var organization: String?
    var history = HistoryOrg.Options()
    var rebuilds = 3
    var samples = 200
    var budget = 5.0
    var fanOutAgents = [100, 1_000]
    var latency = 0.2
    var comparePool = false
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        switch argument {
        case "--runs": options.runs = Int(arguments.next() ?? "") ?? options.runs
        case "--dir": options.directory = arguments.next() ?? options.directory
        case "--keep": options.keep = true
        case "--requests": options.requests = Int(arguments.next() ?? "") ?? options.requests
        case "--entries": options.history.entries = number(arguments.next(), argument, minimum: 1)
        case "--agents": options.history.agents = number(arguments.next(), argument, minimum: 4)
        case "--archived-fraction":
            guard let fraction = arguments.next().flatMap(Double.init), (0..<1).contains(fraction) else {
                usageError("--archived-fraction needs a number from 0 to below 1")
            }
            options.history.archivedFraction = fraction
        case "--seed": options.history.seed = UInt64(number(arguments.next(), argument, minimum: 0))
        case "--rebuilds": options.rebuilds = number(arguments.next(), argument, minimum: 0)
        case "--samples": options.samples = number(arguments.next(), argument, minimum: 1)
        case "--budget":
            guard let budget = arguments.next().flatMap(Double.init), budget > 0 else {
                usageError("--budget needs a number of seconds")
            }
            options.budget = budget
        case "--fan-out-agents":
            let counts = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ (1...4096).contains($0) }) else {
                usageError("--fan-out-agents needs agent counts from 1 to 4096, separated by commas")
            }
            options.fanOutAgents = counts
        case "--latency":
            guard let latency = arguments.next().flatMap(Double.init), latency > 0 else {
                usageError("--latency needs a number of seconds")
            }
            options.latency = latency
        case "--compare-pool": options.comparePool = true
        case "headline", "history", "wide", "api", "indexing", "state-history", "fan-out", "caching", "all":
            options.suite = argument
        case "floor":
            options.suite = argument
            options.organization = arguments.next()
        case "make-org", "make-history", "search":
            options.suite = argument
            options.organization = arguments.next()
        default:
            usageError("unknown argument \(argument)")
        }
    }
    return options
}

/// The integer after an option, at least `minimum`.
func number(_ text: String?, _ option: String, minimum: Int) -> Int {
    guard let value = text.flatMap({ Int($0) }), value >= minimum else {
        usageError("\(option) needs an integer of at least \(minimum)")
    }
    return value
}

/// Says what is wrong on standard error (a closed stream is ignored) and exits with status 2.
func usageError(_ message: String) -> Never {
    let errors = FileHandle.standardError
    try? errors.write(contentsOf: Data((message + "\n").utf8))
    exit(2)
}

if CommandLine.arguments.dropFirst().first == "embed" {
    do {
        try await EmbedCheck.run(arguments: Array(CommandLine.arguments.dropFirst(2)))
    } catch {
        usageError("embed: \(error)")
    }
    exit(0)
}
let options = parseOptions()
if options.suite == "make-org" {
    guard let root = options.organization, !FileManager.default.fileExists(atPath: root) else {
        usageError("make-org needs a folder that does not exist yet")
    }
    try await Benchmarks.makeAPIOrg(at: root)
    exit(0)
}
if options.suite == "make-history" {
    guard let root = options.organization, !FileManager.default.fileExists(atPath: root) else {
        usageError("make-history needs a folder that does not exist yet")
    }
    let clock = ContinuousClock()
    let start = clock.now
    let plan = try HistoryOrg.make(at: root, options: options.history).plan
    let elapsed = seconds(clock.now - start)
    let turns: Int = plan.turnsByAgent.reduce(0) { $0 + $1.count }
    let records: Int = plan.memoryByAgent.reduce(0) { $0 + $1.count }
    let archived = plan.archiveBefore.map { "archived before tick \($0)" } ?? "none archived"
    print(
        "make-history \(root): \(plan.entries.count) entries (\(plan.agents.count) agents, ticks 1–\(plan.lastTick), "
            + "\(archived)), \(turns) turn records, \(records) memory records, \(plan.events) events in "
            + "\(format(elapsed)) s")
    exit(0)
}
if options.suite == "search" {
    guard let root = options.organization, FileManager.default.fileExists(atPath: root + "/state/tick.json") else {
        usageError("search needs the folder of an org (lemming-bench make-history DIR makes one)")
    }
    try SearchBenchmark(root: root, rebuilds: options.rebuilds, samples: options.samples, budget: options.budget).run()
    exit(0)
}
let benchmarks = Benchmarks(directory: options.directory)
if options.suite == "floor" {
    guard let source = options.organization, FileManager.default.fileExists(atPath: source + "/state/tick.json") else {
        usageError("floor needs the folder of a headline run (lemming-bench headline --runs 1 --keep keeps one)")
    }
    try benchmarks.floor(from: source, runs: options.runs)
}
if options.suite == "headline" || options.suite == "all" { try await benchmarks.headline(runs: options.runs) }
if options.suite == "history" || options.suite == "all" { try await benchmarks.history() }
if options.suite == "wide" || options.suite == "all" { try await benchmarks.wide() }
if options.suite == "api" || options.suite == "all" {
    try await benchmarks.api(runs: options.runs, requests: options.requests)
}
if options.suite == "indexing" { try await benchmarks.indexing(runs: options.runs) }
if options.suite == "state-history" { try await benchmarks.stateHistory(runs: options.runs) }
if options.suite == "fan-out" {
    try await FanOutBenchmark(directory: options.directory, latency: Deadline.seconds(options.latency)).run(
        runs: options.runs, agentCounts: options.fanOutAgents, comparePool: options.comparePool)
}
if options.suite == "caching" { try await CachingBenchmark(directory: options.directory).run() }
if options.keep {
    print("kept: \(benchmarks.created.map(\.root).joined(separator: " "))")
} else {
    benchmarks.removeAll()
}
