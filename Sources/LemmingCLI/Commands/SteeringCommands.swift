import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming top-up <agent> <amount>`.
struct TopUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top-up", abstract: "Add credits to an agent's balance (also clears budget_exhausted).")

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent.")
    var agent: String

    @Argument(help: "Credits to add.")
    var amount: Double

    func validate() throws {
        if !(amount > 0 && amount.isFinite) { throw ValidationError("the amount must be a positive number") }
    }

    func run() async throws {
        let root = try org.resolve()
        try SteeringCommand.requireAgent(agent, root: root)
        let outcome = try await Steering.submit([.topUp(agent: agent, amount: amount)], root: root)
        switch outcome {
        case .applied(let events):
            let balance = events.first { $0.kind == .creditsChanged }?.data["balance"]?.doubleValue
            try Terminal.print(
                "topped up \(agent) by \(Terminal.credits(amount)); balance \(EntryFormatting.credits(balance))")
        case .queued:
            try Terminal.print(
                "queued for the running engine: \(agent) gets \(Terminal.credits(amount)) credits at the next tick")
        }
    }
}

/// `lemming pause [agent]`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause an agent, or the whole engine when no agent is named.")

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent (default: the whole engine).")
    var agent: String?

    func run() async throws {
        let target = agent ?? "the engine"
        try await SteeringCommand.run(
            .pause(agent: agent), org: org, done: "paused \(target)", queued: "pauses \(target)")
    }
}

/// `lemming resume [agent]`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused agent (also after loop_detected), or the whole engine.")

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent (default: the whole engine).")
    var agent: String?

    func run() async throws {
        let target = agent ?? "the engine"
        try await SteeringCommand.run(
            .resume(agent: agent), org: org, done: "resumed \(target)", queued: "resumes \(target)")
    }
}

/// What the steering commands share.
enum SteeringCommand {
    static func requireAgent(_ agent: String, root: String) throws {
        try OrgView.load(root: root).requireAgent(agent)
    }

    /// - Parameters:
    ///   - done: what to print when the command was applied now.
    ///   - queued: what the running engine will do, when the command was left for it.
    static func run(_ command: ControlCommand, org: OrgOptions, done: String, queued: String) async throws {
        let root = try org.resolve()
        if case .pause(let agent?) = command { try requireAgent(agent, root: root) }
        if case .resume(let agent?) = command { try requireAgent(agent, root: root) }
        switch try await Steering.submit([command], root: root) {
        case .applied: try Terminal.print(done)
        case .queued: try Terminal.print("queued: the running engine \(queued) at its next tick")
        }
    }
}
