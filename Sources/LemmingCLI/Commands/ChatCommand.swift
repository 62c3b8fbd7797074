import ArgumentParser
import Foundation
import LemmingCore
import LemmingOrgView

/// `lemming chat <agent>`: a conversation at the terminal.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to an agent: each line is sent, ticks run until it answers. /tick, /status, /quit.",
        discussion: """
            With no engine running, chat runs the ticks itself (at most --max-ticks per message). With an \
            engine running, it leaves the message for that engine and waits for the answer (at most --timeout \
            seconds). Entries addressed to the human by other agents are shown too.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent to talk to.")
    var agent: String

    @Option(help: "Ticks to run for an answer before giving up (when chat runs the engine).")
    var maxTicks = 10

    @Option(help: "Seconds to wait for an answer when another process runs the engine.")
    var timeout = 120.0

    func validate() throws {
        if maxTicks < 1 { throw ValidationError("--max-ticks must be at least 1") }
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let root = try org.resolve()
        try OrgView.load(root: root).checkHumanCanAddress(agent, force: false)
        let recorder = EventRecorder()
        let engine: Engine?
        do {
            engine = try await EngineFactory.open(root: root, sinks: [recorder])
        } catch let error as LemmingError where error.code == .locked {
            engine = nil  // Another process runs the engine: talk to it through command files.
        }
        var session = ChatSession(
            agent: agent, root: root, engine: engine, recorder: recorder, maxTicks: maxTicks, timeout: timeout,
            style: Style.standardOutput)
        if let engine {
            let opened = { engine }
            try await Engine.withEngine(opening: opened) { _ in try await session.run() }
        } else {
            try await session.run()
        }
    }
}
