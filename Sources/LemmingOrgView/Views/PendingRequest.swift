import LemmingCore
import LemmingJSON

/// A tool call waiting for the human's approval, and the agent waiting for it.
public struct PendingRequest: Sendable {
    public let agent: String
    public let approval: PendingApproval
    /// The last tick at which the request can be answered.
    public let expiresAfter: Int

    /// Every pending request of the org, by agent.
    public static func all(in view: OrgView) -> [PendingRequest] {
        let timeout = view.config.tools.approvalTimeoutTicks
        return view.runtimes.agents.keys.sorted(by: Names.precedes).flatMap { agent in
            view.runtimes[agent].pendingApprovals.map {
                PendingRequest(agent: agent, approval: $0, expiresAfter: $0.tick + timeout)
            }
        }
    }

    /// The pending request `id`, or an error listing those that are pending.
    public static func find(_ id: String, in view: OrgView) throws -> PendingRequest {
        let pending = all(in: view)
        guard let request = pending.first(where: { $0.approval.requestID == id }) else {
            let waiting =
                pending.isEmpty
                ? "none is pending" : "pending: " + pending.map(\.approval.requestID).joined(separator: ", ")
            throw LemmingError(.notFound, "no tool call waits for approval under '\(id)' (\(waiting))")
        }
        return request
    }

    /// The human's answer to this request, as the message that carries it.
    public func answer(approve: Bool, reason: String?) -> HumanMessage {
        HumanMessage.approval(of: approval.requestID, by: agent, approve: approve, reason: reason)
    }

    /// What was done with an answer, as `lemming approve --json`, the API and MCP report it:
    /// `{"status": "recorded" | "queued", "request", "decision", "agent", "tool"}`.
    public func answerJSON(approve: Bool, queued: Bool) -> JSONValue {
        [
            "status": queued ? "queued" : "recorded", "request": .string(approval.requestID),
            "decision": .string(approve ? "approved" : "denied"), "agent": .string(agent),
            "tool": .string(approval.call.tool),
        ]
    }

    public var json: JSONValue {
        [
            "request": .string(approval.requestID), "agent": .string(agent), "tool": .string(approval.call.tool),
            "args": .object(approval.call.arguments), "tick": .int(approval.tick),
            "expires_after_tick": .int(expiresAfter),
        ]
    }
}
