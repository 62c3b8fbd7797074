import Foundation
import LemmingCore
import LemmingOrgView

/// The read–send–wait loop of `lemming chat`.
struct ChatSession {
    let agent: String
    let root: String
    /// The engine chat runs itself, or `nil` when another process runs one.
    let engine: Engine?
    let recorder: EventRecorder
    let maxTicks: Int
    let timeout: Double
    let style: Style
    private var eventsSeen = 0
    private var knownIDs: Set<EntryID> = []

    init(
        agent: String, root: String, engine: Engine?, recorder: EventRecorder, maxTicks: Int, timeout: Double,
        style: Style
    ) {
        self.agent = agent
        self.root = root
        self.engine = engine
        self.recorder = recorder
        self.maxTicks = maxTicks
        self.timeout = timeout
        self.style = style
    }

    mutating func run() async throws {
        let view = try OrgView.load(root: root)
        knownIDs = Set(try view.allEntryIDs())
        eventsSeen = recorder.events.count
        let mode = engine == nil ? "an engine is running; messages go to it" : "chat runs the ticks"
        try Terminal.print(
            style.dim("Talking to \(agent) in '\(view.config.name)' (\(mode)). /tick runs a tick, /status, /quit."))
        let interactive = Style.isStandardInputTerminal
        while true {
            if interactive { try Terminal.write("you> ") }
            guard let line = readLine() else { break }
            let text = line.trimmingWhitespace()
            switch text {
            case "":
                continue
            case "/quit", "/exit":
                return
            case "/tick":
                guard let engine else {
                    try Terminal.print(style.dim("(the running engine ticks on its own)"))
                    continue
                }
                let report = try await engine.runTick()
                try Terminal.print(style.dim(RunCommand.line(for: report)))
                _ = try showNewEntries()
            case "/status":
                try showStatus()
            default:
                try await send(text)
            }
        }
    }

    /// Sends a line and waits for the agent's answer.
    private mutating func send(_ text: String) async throws {
        let message = HumanMessage(to: [agent], text: text)
        guard let engine else {
            try ControlCommand.send(message).submit(to: OrgPaths(root: root), clock: try EngineFactory.clock())
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                if try showNewEntries().contains(where: { $0.author == agent }) { return }
            }
            try Terminal.print(style.yellow("(no answer from \(agent) within \(Int(timeout)) s)"))
            return
        }
        try await engine.apply([.send(message)])
        _ = try showNewEntries()
        for _ in 0..<maxTicks {
            let report = try await engine.runTick()
            if report.wasPaused {
                try Terminal.print(style.yellow("(the engine is paused; lemming resume to continue)"))
                return
            }
            if try showNewEntries().contains(where: { $0.author == agent }) { return }
        }
        try Terminal.print(style.yellow("(no answer from \(agent) after \(maxTicks) ticks)"))
    }

    /// Prints the entries addressed to the human that appeared since the last look.
    ///
    /// - Returns: those entries.
    private mutating func showNewEntries() throws -> [OutboxEntry] {
        let view = try OrgView.load(root: root)
        let fresh = try view.allEntryIDs().filter { !knownIDs.contains($0) }
        knownIDs.formUnion(fresh)
        var shown: [OutboxEntry] = []
        for id in fresh {
            guard case .success(let entry) = view.entry(id), entry.author != Names.human,
                entry.recipients?.contains(Names.human) ?? false
            else { continue }
            shown.append(entry)
            let lines = entry.text.split(separator: "\n", omittingEmptySubsequences: false)
            try Terminal.print("\(style.bold(entry.author))> \(lines.first ?? "")")
            for line in lines.dropFirst() { try Terminal.print("  \(line)") }
        }
        return shown
    }

    private func showStatus() throws {
        let view = try OrgView.load(root: root)
        let next = view.nextFireTick(of: agent).map { ", fires at tick \($0)" } ?? ""
        try Terminal.print(
            "\(agent): \(style.state(view.state(of: agent)))\(next), \(EntryFormatting.credits(view.balance(of: agent))) "
                + "credits; next tick \(view.tick.nextTick)")
    }
}
