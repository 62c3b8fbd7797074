import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming send <agent> <text>`: a message from the human.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message from the human to an agent.",
        discussion: """
            Writes an entry of `human` addressed to the agent. With no engine running it is written at once \
            (for the next tick); with one running, the engine writes it at its next tick. The agent must read \
            `human` (directly, or through '*') to see it.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent to address.")
    var agent: String

    @Argument(help: "The message (several words are joined with spaces).")
    var text: [String]

    @Option(help: "The entry's kind.")
    var kind = "message"

    @Option(help: "urgent, normal or low.")
    var priority: PriorityOption = .normal

    @Option(name: .customLong("reply-to"), help: "The id of the entry this answers.")
    var replyTo: String?

    @Flag(help: "Send even when the agent does not read the human.")
    var force = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if text.joined().isEmpty { throw ValidationError("the message is empty") }
        if !Names.isValidKind(kind) { throw ValidationError("--kind must be a lowercase word such as message") }
        if let replyTo, EntryID(replyTo) == nil {
            throw ValidationError("--reply-to must be an entry id such as 00000003-manager-01")
        }
    }

    func run() async throws {
        let root = try org.resolve()
        let view = try OrgView.load(root: root)
        try view.checkHumanCanAddress(agent, force: force, forceHint: "; --force sends anyway")
        if let replyTo, let id = EntryID(replyTo), !view.hasEntry(id) {
            throw LemmingError(.notFound, "no entry '\(replyTo)'", field: "--reply-to")
        }
        let message = HumanMessage(
            to: [agent], text: text.joined(separator: " "), kind: kind, priority: priority.value, replyTo: replyTo)
        switch try await Steering.submit([.send(message)], root: root) {
        case .applied(let events):
            let id = events.first { $0.kind == .entryWritten }?.data["id"]?.stringValue ?? ""
            if output.json {
                try Terminal.printJSON(["status": "sent", "id": .string(id), "to": .string(agent)])
            } else {
                try Terminal.print(
                    "sent \(id) to \(agent); it reads it at tick \(EntryID(id)?.tick ?? view.tick.nextTick)")
            }
        case .queued:
            if output.json {
                try Terminal.printJSON(["status": "queued", "id": nil, "to": .string(agent)])
            } else {
                try Terminal.print("queued for the running engine: \(agent) gets it at the next tick")
            }
        }
    }
}

/// `--priority`.
enum PriorityOption: String, ExpressibleByArgument, CaseIterable {
    case urgent, normal, low

    var value: Priority { Priority(rawValue: rawValue) ?? .normal }
}
