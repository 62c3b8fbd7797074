import ArgumentParser
import Foundation
import LemmingCore
import LemmingOrgView

/// `lemming reset`: back to tick 1, keeping the org's definition.
struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract:
            "Clear state (and its history), outboxes, memory, logs and the archive (after a confirmation, or --yes).",
        discussion: "Resumes, lemming.json, models.json, templates, shared/ and workspaces are never touched."
    )

    @OptionGroup var org: OrgOptions

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        let paths = view.paths
        if !yes {
            guard Style.isStandardInputTerminal else {
                throw LemmingError(
                    .invalidArgument, "refusing to reset without --yes (there is no terminal to ask)")
            }
            try Terminal.write(
                "Reset '\(view.config.name)'? This deletes its state, outboxes, memory, logs and archive. [y/N] ")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                try Terminal.print("nothing changed")
                return
            }
        }
        guard let lock = try FileLock.tryAcquire(paths.lock) else {
            throw LemmingError(.locked, "an engine is running on this org; stop it first", path: paths.root)
        }
        defer { lock.release() }
        var entries = 0
        for name in (try FileSystem.list(paths.agents) ?? []) where Names.isValidAgentName(name) {
            entries += (try? view.entryIDs(of: name).count) ?? 0
            for folder in [paths.outbox(name), paths.memory(name), paths.agentLogs(name)] {
                for file in try FileSystem.list(folder) ?? [] { try FileSystem.removeTree(folder + "/" + file) }
            }
        }
        let searchIndex = ["", "-wal", "-shm"].map { paths.searchIndex + $0 }
        let history = paths.absolute(StateHistory.file)
        for path in [paths.tick, paths.ledger, paths.cursors, paths.agentStates, history] + searchIndex {
            try FileSystem.remove(path)
        }
        for folder in [paths.journal, paths.commands, paths.root + "/archive", paths.logs] {
            try FileSystem.removeTree(folder)
        }
        try Terminal.print(
            "reset '\(view.config.name)': \(entries) entries, memory, logs, ledger and cursors removed; "
                + "the next tick is 1 (resumes and workspaces kept)")
    }
}
