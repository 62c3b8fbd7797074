import ArgumentParser
import Foundation
import LemmingCore

/// `lemming init [DIR]`: creates a ready org.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a ready org: manager, planner, coder, reviewer and human, on the offline simulation."
    )

    @Argument(help: "The directory to create the org in (default: the current directory).")
    var directory: String?

    @Option(help: "The org's name (default: the directory's name).")
    var name: String?

    func run() async throws {
        let current = FileManager.default.currentDirectoryPath
        let root = OrgOptions.absolute(directory ?? ".", from: current)
        let orgName = name ?? (root.split(separator: "/").last.map(String.init) ?? "org")
        try OrgTemplate.write(to: root, name: orgName)
        let shown = directory ?? "."
        try Terminal.print(
            """
            Created org '\(orgName)' in \(root)
              agents: \(OrgTemplate.agents.map(\.name).joined(separator: ", ")) (model 'sim': the offline simulation)
            Try:
              lemming run --org \(shown) --ticks 3
              lemming status --org \(shown)
            """)
    }
}
