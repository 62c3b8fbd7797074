import Foundation
import LemmingCore
import LemmingProviders

// `swift run -c release lemming-bench [headline|history|wide|api|all] [--runs N] [--dir DIR] [--keep]`
// The engine benchmarks recorded in BENCHMARKS.md. Orgs are created under --dir (default: the
// system's temporary directory, which must be on an ordinary disk for the headline figure) and
// removed when every benchmark is done (or kept with --keep).
// `lemming-bench make-org DIR` only writes the API benchmark's org (100 agents × 1,000 entries)
// to the new folder DIR and keeps it.
// `lemming-bench embed --org DIR --model KEY TEXT…` (hidden, for scripts/e2e-embeddings.sh)
// embeds texts with an org's model and prints one JSON line (see EmbedCheck).

struct Options {
    var suite = "all"
    var runs = 5
    var directory = NSTemporaryDirectory()
    var keep = false
    var requests = 200
    var organization: String?
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
        case "headline", "history", "wide", "api", "all": options.suite = argument
        case "make-org":
            options.suite = argument
            options.organization = arguments.next()
        default:
            usageError("unknown argument \(argument)")
        }
    }
    return options
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
let benchmarks = Benchmarks(directory: options.directory)
if options.suite == "headline" || options.suite == "all" { try await benchmarks.headline(runs: options.runs) }
if options.suite == "history" || options.suite == "all" { try await benchmarks.history() }
if options.suite == "wide" || options.suite == "all" { try await benchmarks.wide() }
if options.suite == "api" || options.suite == "all" {
    try await benchmarks.api(runs: options.runs, requests: options.requests)
}
if options.keep {
    print("kept: \(benchmarks.created.map(\.root).joined(separator: " "))")
} else {
    benchmarks.removeAll()
}
