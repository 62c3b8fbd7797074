import ArgumentParser
import Foundation
import LemmingCore

/// `lemming demo`: a team on the offline simulation builds what the human asks for, and the
/// demo tells the story tick by tick.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a small team on the offline simulation for a few ticks and tell what each agent did.",
        discussion: """
            The manager splits your request into tasks, the planner plans, the coder writes a file with \
            file_write (which waits for the human's approval: the demo approves it for you), the reviewer \
            reads it with file_read and reviews it, and the manager reports back. No key, no network. \
            With --keep DIR the org stays in DIR, ready for `lemming serve --org DIR`.
            """
    )

    @Option(help: "Ticks to run.")
    var ticks = 6

    @Option(help: "What the human asks the manager.")
    var message = "Please plan and build a login page, then tell me when it is reviewed."

    @Option(help: ArgumentHelp("Keep the org in DIR (new or empty) instead of deleting it.", valueName: "DIR"))
    var keep: String?

    func validate() throws {
        if ticks < 1 { throw ValidationError("--ticks must be at least 1") }
        if message.allSatisfy(\.isWhitespace) { throw ValidationError("--message must not be empty") }
    }

    func run() async throws {
        let root: String
        if let keep {
            root = OrgOptions.absolute(keep, from: FileManager.default.currentDirectoryPath)
            try Self.checkEmpty(root)
        } else {
            root = OrgOptions.absolute(
                FileManager.default.temporaryDirectory.path
                    + "/lemming-demo-\(ProcessInfo.processInfo.processIdentifier)",
                from: "/")
            try? FileSystem.removeTree(root)
        }
        defer { if keep == nil { try? FileSystem.removeTree(root) } }
        try DemoOrg.write(to: root)
        let recorder = DemoRecorder()
        var narrator = DemoNarrator(style: .standardOutput)
        try Terminal.print(
            """
            A team on the offline simulation (no key, no network): manager, planner, coder and reviewer,
            and you as human. Every \(DemoOrg.approvedTool) waits for the human's approval, and the coder \
            has \(DemoOrg.coderCredits.maxCredits) credits.

            """)
        var reports: [TickReport] = []
        try await Engine.withEngine(EngineFactory.configuration(root: root, sinks: [recorder])) { engine in
            try await engine.apply([.send(HumanMessage(to: ["manager"], text: message))])
            for line in narrator.human(recorder.take()) { try Terminal.print(line) }
            for _ in 0..<ticks {
                let report = try await engine.runTick()
                reports.append(report)
                let commits = recorder.take()
                for line in narrator.tick(report, commits) { try Terminal.print(line) }
                for (id, agent) in DemoNarrator.approvalRequests(in: commits) {
                    try await engine.apply([.send(.approval(of: id, by: agent, approve: true))])
                    _ = recorder.take()
                    for line in narrator.approved(id) { try Terminal.print(line) }
                }
            }
        }
        try Terminal.print("")
        try Terminal.print(Self.summary(reports))
        try Terminal.print(Self.ending(root: keep == nil ? nil : root))
    }

    /// Refuses a file, or a directory that holds anything.
    static func checkEmpty(_ root: String) throws {
        guard let info = FileSystem.info(root) else { return }
        guard info.isDirectory else {
            throw LemmingError(
                .invalidArgument, "is not a directory: --keep needs a new or empty directory", path: root)
        }
        if let names = try FileSystem.list(root), !names.isEmpty {
            throw LemmingError(.invalidArgument, "is not empty: --keep needs a new or empty directory", path: root)
        }
    }

    /// "6 ticks, 24 turns, 0.0061 credits: manager 0.0016, …".
    static func summary(_ reports: [TickReport]) -> String {
        var byAgent: [(agent: String, cost: Double)] = []
        for turn in reports.flatMap(\.turns) {
            if let index = byAgent.firstIndex(where: { $0.agent == turn.agent }) {
                byAgent[index].cost += turn.cost
            } else {
                byAgent.append((turn.agent, turn.cost))
            }
        }
        let total = reports.reduce(0) { $0 + $1.cost }
        let turns = reports.reduce(0) { $0 + $1.turns.count }
        let parts = byAgent.map { "\($0.agent) \(Terminal.credits($0.cost))" }.joined(separator: ", ")
        return "\(reports.count) ticks, \(turns) turns, \(Terminal.credits(total)) credits in all (\(parts))."
    }

    /// How to open the dashboard on the org left behind (`root`), or how to keep one.
    static func ending(root: String?) -> String {
        guard let root else {
            return """
                The org was temporary and is deleted. Keep it and open the dashboard on it:
                  lemming demo --keep demo-org
                  lemming serve --org demo-org      # then open http://127.0.0.1:7777
                """
        }
        return """
            The org is kept in \(root). Open the dashboard on it:
              lemming serve --org \(shellQuoted(root))      # then open http://127.0.0.1:7777
            """
    }

    /// `path` as one shell word.
    static func shellQuoted(_ path: String) -> String {
        let plain = path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+,:@%".contains($0)) }
        return plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
