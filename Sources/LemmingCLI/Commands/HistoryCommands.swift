import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON

/// `lemming fork --at N DIR`: a new org as it was after tick N.
struct ForkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork",
        abstract: "Make a new org as this one was after tick N, to continue with other models or prompts.",
        discussion: """
            The new org has the resumes, settings, state, outboxes (and archive), memory, turn logs and ledger \
            as they were after tick N, made from the state history (state/history.jsonl); workspaces, shared/ \
            and templates are copied as they are now. The source is not changed, and may be running.
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(name: .customLong("at"), help: "The tick the new org is as of (its last committed tick).")
    var tick: Int

    @Argument(help: "The new org's folder (must not exist, or be empty).")
    var directory: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let source = OrgPaths(root: try org.resolve())
        let target = OrgOptions.absolute(directory, from: FileManager.default.currentDirectoryPath)
        let made = try OrgCopy.fork(source, at: tick, into: target)
        try report(made, target: target, what: "forked", json: output.json)
    }
}

/// `lemming backup DIR`: a consistent copy at a committed tick, also while an engine runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the org, consistently at a committed tick, even while an engine runs on it.",
        discussion: """
            The copy opens and continues exactly as the org would from that tick (with an engine running, the \
            tick before the one it was committing). Restore it with `lemming restore DIR`, or use it as an org.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The backup's folder (must not exist, or be empty).")
    var directory: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let source = OrgPaths(root: try org.resolve())
        let target = OrgOptions.absolute(directory, from: FileManager.default.currentDirectoryPath)
        let made = try OrgCopy.backup(source, into: target)
        try report(made, target: target, what: "backed up", json: output.json)
    }
}

/// `lemming restore BACKUP`: puts a backup in place as the org.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place as the org at --org (or the current folder).",
        discussion: """
            The target must be empty; with --force an org there is moved aside to <DIR>.before-restore-<time> \
            first (never while an engine runs on it).
            """
    )

    @Argument(help: "The backup's folder (made by `lemming backup`).")
    var backup: String

    @Option(name: .customLong("org"), help: "Where to restore it (default: the current folder).")
    var target: String?

    @Flag(help: "Replace an org that is there (it is kept aside).")
    var force = false

    func run() async throws {
        let current = FileManager.default.currentDirectoryPath
        let source = OrgOptions.absolute(backup, from: current)
        let destination = OrgOptions.absolute(target ?? current, from: current)
        let now = Timestamp.format(try EngineFactory.clock().now())
        let replaced = try OrgCopy.restore(source, into: destination, replacing: force, now: now)
        try Terminal.print(
            "restored \(source) to \(destination)" + (replaced.map { "; the org that was there is in \($0)" } ?? ""))
    }
}

/// One line (or JSON) about a copy made.
private func report(_ made: OrgCopy.Made, target: String, what: String, json: Bool) throws {
    if json {
        try Terminal.printJSON([
            "directory": .string(target), "tick": .int(made.tick), "engine_was_running": .bool(made.engineWasRunning),
        ])
    } else {
        try Terminal.print(
            "\(what) to \(target) as of tick \(made.tick)"
                + (made.engineWasRunning ? " (an engine was running: the last commit it had finished)" : ""))
    }
}

/// `lemming replay`: re-runs recorded ticks in a scratch copy and compares.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run recorded ticks in a scratch copy with the recorded replies, and compare with the org.",
        discussion: """
            Each turn gets the reply its turn record holds and each tool call with external effects its recorded \
            result (no network; the org is not touched). After editing a resume or upgrading LeMMing, it says \
            whether the org still does the same: exit 0 when every replayed tick reproduces, 1 at the first \
            divergence (tick, agent, file, where in it, both values), with the scratch copy kept to look at. \
            Wall-clock times and durations are compared apart: a run made with LEMMING_FIXED_TIME reproduces \
            byte for byte.
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(help: "The first tick to replay (default: the first the state history holds).")
    var from: Int?

    @Option(help: "The last tick to replay (default: the last committed).")
    var to: Int?

    @Option(help: "Where to make the scratch copy (kept); default: a temporary folder, removed when all reproduces.")
    var scratch: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let source = OrgPaths(root: try org.resolve())
        let current = FileManager.default.currentDirectoryPath
        let folder =
            scratch.map { OrgOptions.absolute($0, from: current) }
            ?? NSTemporaryDirectory() + "lemming-replay-" + UUID().uuidString.prefix(8).lowercased()
        let report = try await OrgReplay.run(
            source, from: from, to: to, tools: EngineFactory.tools(), scratch: folder)
        if report.divergence == nil, scratch == nil { try? FileSystem.removeTree(folder) }
        if output.json {
            var object: JSONObject = [
                "from": .int(report.from), "to": .int(report.to), "turns": .int(report.turns),
                "reproduces": .bool(report.divergence == nil), "exact": .bool(report.isExact),
            ]
            if let divergence = report.divergence {
                object["divergence"] = [
                    "tick": .int(divergence.tick), "agent": .optional(divergence.agent),
                    "file": .string(divergence.file),
                    "location": .string(divergence.location), "expected": .string(divergence.expected),
                    "actual": .string(divergence.actual),
                ]
                object["scratch"] = .string(folder)
            }
            try Terminal.printJSON(.object(object))
        } else if let divergence = report.divergence {
            try Terminal.print(
                """
                tick \(divergence.tick) differs\(divergence.agent.map { " (agent \($0))" } ?? ""): \(divergence.file), \
                at \(divergence.location)
                  recorded: \(divergence.expected)
                  replayed: \(divergence.actual)
                the replayed org is in \(folder)
                """)
        } else {
            try Terminal.print(
                "ticks \(report.from)–\(report.to) (\(report.turns) turns) reproduce"
                    + (report.isExact ? " byte for byte" : " (wall-clock times and durations aside)"))
        }
        if report.divergence != nil { throw ExitCode.failure }
    }
}
