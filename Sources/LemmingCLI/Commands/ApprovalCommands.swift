import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming approvals`: the tool calls waiting for the human.
struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List the tool calls waiting for the human's approval.",
        discussion: "Answer each with `lemming approve <id>` or `lemming deny <id> [--reason ...]`."
    )

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        let pending = PendingRequest.all(in: view)
        if output.json {
            try Terminal.printJSON(.array(pending.map(\.json)))
            return
        }
        guard !pending.isEmpty else {
            try Terminal.print("no tool calls are waiting for approval")
            return
        }
        try Terminal.print(
            Table.render(
                header: ["REQUEST", "AGENT", "TOOL", "ARGUMENTS", "EXPIRES"],
                rows: pending.map { request in
                    let arguments = JSONValue.object(request.approval.call.arguments).compactText
                    return [
                        request.approval.requestID, request.agent, request.approval.call.tool,
                        arguments.count > 60 ? String(arguments.prefix(59)) + "…" : arguments,
                        "tick \(request.expiresAfter + 1)",
                    ]
                }))
    }
}

/// `lemming approve <id>`.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a tool call waiting for the human; it runs at the next tick.",
        discussion:
            "The request id is in the approval_request entry (see `lemming approvals` or `lemming inbox human`)."
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The request id (the approval_request entry's id).")
    var request: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await PendingRequest.answer(request, approve: true, reason: nil, org: org, output: output)
    }
}

/// `lemming deny <id>`.
struct DenyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny",
        abstract: "Deny a tool call waiting for the human; the agent is told at the next tick."
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The request id (the approval_request entry's id).")
    var request: String

    @Option(help: "Why, for the agent.")
    var reason: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await PendingRequest.answer(request, approve: false, reason: reason, org: org, output: output)
    }
}

extension PendingRequest {
    static func answer(
        _ id: String, approve: Bool, reason: String?, org: OrgOptions, output: OutputOptions
    ) async throws {
        let answer = try await answer(id, approve: approve, reason: reason, root: try org.resolve())
        if output.json {
            try Terminal.printJSON(answer)
        } else {
            let agent = answer["agent"]?.stringValue ?? ""
            let tool = answer["tool"]?.stringValue ?? ""
            let effect = approve ? "\(agent)'s \(tool) call runs at the next tick" : "\(agent) is told at the next tick"
            try Terminal.print("\(approve ? "approved" : "denied") \(id): \(effect)")
        }
    }

    /// Answers the approval request `id` as the human, applied now or queued for the running
    /// engine (``PendingRequest/answer(_:approve:reason:in:steer:)``).
    static func answer(_ id: String, approve: Bool, reason: String?, root: String) async throws -> JSONValue {
        try await answer(id, approve: approve, reason: reason, in: try OrgView.load(root: root)) {
            try await Steering.submit($0, root: root)
        }
    }
}
