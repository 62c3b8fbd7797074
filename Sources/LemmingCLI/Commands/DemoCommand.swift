import ArgumentParser
import Foundation
import LemmingCore
import LemmingOrgView

/// `lemming demo`: a temporary org, a few ticks, and who said what.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a temporary org, run it a few ticks on the offline simulation, and print who said what."
    )

    @Option(help: "Ticks to run.")
    var ticks = 4

    @Option(help: "What the human asks the manager.")
    var message = "Please plan and build a login page, then tell me when it is reviewed."

    @Flag(help: "Keep the org directory instead of deleting it.")
    var keep = false

    func validate() throws {
        if ticks < 1 { throw ValidationError("--ticks must be at least 1") }
    }

    func run() async throws {
        let root = OrgOptions.absolute(
            FileManager.default.temporaryDirectory.path
                + "/lemming-demo-\(ProcessInfo.processInfo.processIdentifier)",
            from: "/")
        try? FileSystem.removeTree(root)
        try OrgTemplate.write(to: root, name: "demo")
        defer { if !keep { try? FileSystem.removeTree(root) } }
        try await Engine.withEngine(EngineFactory.configuration(root: root)) { engine in
            try await engine.apply([.send(HumanMessage(to: ["manager"], text: message))])
            for _ in 0..<ticks { _ = try await engine.runTick() }
        }
        try Terminal.print("Demo org: manager, planner, coder and reviewer on the offline simulation.\n")
        for entry in try DemoCommand.entries(root: root) {
            let to = entry.recipients?.joined(separator: ", ") ?? "everyone who reads \(entry.author)"
            try Terminal.print("tick \(entry.tick)  \(entry.author) → \(to) [\(entry.kind)]")
            try Terminal.print("    \(entry.text)")
        }
        let status = try OrgStatus.read(root: root)
        let spent = status.agents.reduce(0) { $0 + $1.spent }
        try Terminal.print("\n\(ticks) ticks, \(Terminal.credits(spent)) credits spent. ")
        try Terminal.print(keep ? "The org is kept in \(root)." : "Create your own org with `lemming init DIR`.")
    }

    /// Every entry of the org, in (tick, id) order.
    static func entries(root: String) throws -> [OutboxEntry] {
        let paths = OrgPaths(root: root)
        let store = FileOrgStore(paths: paths)
        var entries: [OutboxEntry] = []
        for name in (try FileSystem.list(paths.agents) ?? []).sorted() where Names.isValidAgentName(name) {
            for file in (try FileSystem.list(paths.outbox(name)) ?? []) where file.hasSuffix(".json") {
                guard let id = EntryID(file.dropLast(5)), case .success(let entry) = store.readEntry(id) else {
                    continue
                }
                entries.append(entry)
            }
        }
        return entries.sorted { $0.id < $1.id }
    }
}
