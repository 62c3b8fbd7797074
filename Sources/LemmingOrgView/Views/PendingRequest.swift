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

    /// Answers the request `id` as the human: an approval entry, sent through `steer` (applied
    /// now, or queued for a running engine). What `lemming approve`/`deny`, the API and MCP do.
    ///
    /// - Returns: `{"status": "recorded" | "queued", "request", "decision", "agent", "tool"}`.
    /// - Throws: ``LemmingError`` `.notFound` when no such request waits; what `steer` throws.
    public static func answer(
        _ id: String, approve: Bool, reason: String?, in view: OrgView,
        steer: ([ControlCommand]) async throws -> OrgSteering.Outcome
    ) async throws -> JSONValue {
        let request = try find(id, in: view)
        let message = HumanMessage.approval(of: id, by: request.agent, approve: approve, reason: reason)
        let status: JSONValue
        switch try await steer([.send(message)]) {
        case .applied: status = "recorded"
        case .queued: status = "queued"
        }
        return [
            "status": status, "request": .string(id), "decision": .string(approve ? "approved" : "denied"),
            "agent": .string(request.agent), "tool": .string(request.approval.call.tool),
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
