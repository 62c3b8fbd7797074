import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingSearch

/// `lemming index …`: the search index (`state/search.sqlite`).
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Show or rebuild the search index (state/search.sqlite).",
        discussion: """
            The index is derived from the org's files (DESIGN §2.5): deleting it loses nothing, and commands that \
            use it build it when it is missing and rebuild it when it is damaged.
            """,
        subcommands: [IndexStatusCommand.self, IndexRebuildCommand.self],
        defaultSubcommand: IndexStatusCommand.self
    )
}

/// `lemming index status [--check]`.
struct IndexStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the index: file, size, schema, position against the org's, documents by source.",
        discussion: """
            Shows the index as it is, without catching it up (it is built first when missing). With --check, \
            SQLite checks the file first, as it is; a damaged file is reported, left for the next use to rebuild, \
            and the command exits 1.
            """
    )

    @OptionGroup var org: OrgOptions

    @Flag(help: "Check the file's integrity (PRAGMA quick_check); exit 1 when it is damaged.")
    var check = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let paths = OrgPaths(root: try org.resolve())
        if check, let problem = Self.problem(SearchIndex.checkFile(paths)) {
            try report(path: paths.relative(paths.searchIndex), problem: problem)
            throw ExitCode(1)
        }
        let index = try SearchIndexAccess.open(paths, catchUp: false)
        let problem = check ? try index.check() : nil
        let status = try index.status()
        if output.json {
            var json = status.json.objectValue ?? JSONObject()
            if check { json["check"] = .string(problem ?? "ok") }
            try Terminal.printJSON(.object(json))
        } else {
            try Self.text(status).forEach { try Terminal.print($0) }
            if check { try Terminal.print("check     \(problem.map { "damaged: \($0)" } ?? "ok")") }
        }
        if problem != nil { throw ExitCode(1) }
    }

    /// What is wrong with the file, for `--check`: `nil` when it is sound, missing (built next) or
    /// of another schema (rebuilt next, by design).
    static func problem(_ check: SearchIndexFileCheck) -> String? {
        if case .damaged(let problem) = check { return problem }
        return nil
    }

    private func report(path: String, problem: String) throws {
        if output.json {
            try Terminal.printJSON(["path": .string(path), "check": .string(problem)])
        } else {
            try Terminal.print("\(path) is damaged: \(problem)")
            try Terminal.print("The next command that uses it rebuilds it; `lemming index rebuild` does it now.")
        }
    }

    static func text(_ status: SearchIndexStatus) -> [String] {
        let counts = status.counts
        let position =
            status.isBehind
            ? "event \(status.sequence) (tick \(status.tick)); the org is at event \(status.orgSequence) "
                + "(tick \(status.orgTick)): \(status.orgSequence - status.sequence) behind"
            : "event \(status.sequence) (tick \(status.tick)), up to date with the org"
        return [
            "index     \(status.path) (\(IndexFormatting.bytes(status.bytes)), schema \(status.schemaVersion))",
            "position  \(position)",
            "documents \(IndexFormatting.counts(counts))",
        ]
    }
}

/// `lemming index rebuild`.
struct IndexRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Build the search index again from the org's files.",
        discussion: """
            The new index is written beside the old one and put in its place when complete: searches (here or in \
            a running engine or server) use the old one until then. Files that rebuilds killed midway left behind \
            are removed.
            """
    )

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let paths = OrgPaths(root: try org.resolve())
        let clock = ContinuousClock()
        let start = clock.now
        SearchIndex.removeAbandonedRebuilds(paths)
        let counts = try SearchIndex(paths, logger: EngineFactory.logger()).rebuild()
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let bytes = ["", "-wal"].compactMap { FileSystem.info(paths.searchIndex + $0)?.size }.reduce(0, +)
        let path = paths.relative(paths.searchIndex)
        if output.json {
            try Terminal.printJSON([
                "path": .string(path), "seconds": .double((seconds * 1000).rounded() / 1000), "bytes": .int(bytes),
                "documents": [
                    "entries": .int(counts.entries), "archived_entries": .int(counts.archivedEntries),
                    "memory": .int(counts.memory), "turns": .int(counts.turns),
                ],
            ])
        } else {
            try Terminal.print(
                "rebuilt \(path) in \(String(format: "%.2f", seconds)) s (\(IndexFormatting.bytes(bytes))): "
                    + IndexFormatting.counts(counts))
        }
    }
}

/// Figures of the index in words.
enum IndexFormatting {
    /// `1234 entries (56 archived), 78 memory records, 90 turn records`.
    static func counts(_ counts: IndexCounts) -> String {
        "\(counts.entries) entr\(counts.entries == 1 ? "y" : "ies") (\(counts.archivedEntries) archived), "
            + "\(counts.memory) memory record\(counts.memory == 1 ? "" : "s"), "
            + "\(counts.turns) turn record\(counts.turns == 1 ? "" : "s")"
    }

    /// `812 bytes`, `4.2 KiB`, `13.0 MiB`, `1.2 GiB`.
    static func bytes(_ count: Int) -> String {
        guard count >= 1024 else { return "\(count) bytes" }
        var value = Double(count) / 1024
        for unit in ["KiB", "MiB", "GiB"] {
            if value < 1024 || unit == "GiB" { return String(format: "%.1f \(unit)", value) }
            value /= 1024
        }
        return "\(count) bytes"
    }
}
