import ArgumentParser
import Foundation
import LemmingArchive
import LemmingCore

/// `lemming export FILE [--agent NAME] [--workspace]`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the org, or one agent, to a zip archive that `lemming import` reads back.",
        discussion: """
            The archive holds manifest.json (format version, org, LeMMing version, tick, and each file's size and \
            SHA-256) and the org's files under org/. Left out: the engine lock, the search index, the journal, \
            provider health and temporary files; workspaces and shared/ keep their folders but not their content \
            unless --workspace. Symbolic links and special files are skipped and listed. The export takes the \
            engine lock, so it is refused while an engine runs: it reads a committed state.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The archive to write (a .zip file).")
    var file: String

    @Option(help: "Export only this agent: its resume, memory, outbox with its archived entries, and turn records.")
    var agent: String?

    @Flag(help: "Include the content of workspaces (and of shared/ for the whole org).")
    var workspace = false

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let root = try org.resolve()
        let destination = OrgOptions.absolute(file, from: FileManager.default.currentDirectoryPath)
        let clock: any WallClock =
            try FixedWallClock.fromEnvironment(ProcessInfo.processInfo.environment) ?? SystemWallClock()
        let summary = try ArchiveExporter.export(
            org: root, to: destination,
            configuration: .init(agent: agent, includeWorkspaces: workspace, overwrite: force, clock: clock))
        if output.json {
            try Terminal.printJSON(summary.json)
            return
        }
        let manifest = summary.manifest
        let what = manifest.agent.map { "agent '\($0)' of '\(manifest.org)'" } ?? "org '\(manifest.org)'"
        try Terminal.print(
            "exported \(what) at tick \(manifest.tick): \(manifest.files.count) files, "
                + "\(IndexFormatting.bytes(manifest.totalBytes)) (\(IndexFormatting.bytes(summary.archiveBytes)) "
                + "compressed) to \(summary.file)")
        for skipped in manifest.skipped {
            try Terminal.print("skipped \(skipped.path): \(skipped.reason)")
        }
    }
}
