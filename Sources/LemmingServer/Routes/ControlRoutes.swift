import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// Steering: a tick, pausing and resuming, top-ups, approvals.
///
/// With the org free, a change is applied at once (200); with an engine running (in this server
/// or another process) it is queued as a command file for its next tick (202).
enum ControlRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .post, path: "/api/step", operationID: "step",
            summary: "Run exactly one tick (409 while an engine runs).", tag: "control", access: .write,
            errors: [409]
        ) { _, _, backend in
            .json(try await backend.step().json)
        },
        APIRoute(
            method: .post, path: "/api/pause", operationID: "pauseEngine", summary: "Pause the engine.",
            tag: "control", access: .write
        ) { _, _, backend in try await steer(.pause(agent: nil), backend) },
        APIRoute(
            method: .post, path: "/api/resume", operationID: "resumeEngine", summary: "Resume the engine.",
            tag: "control", access: .write
        ) { _, _, backend in try await steer(.resume(agent: nil), backend) },
        APIRoute(
            method: .post, path: "/api/agents/{name}/pause", operationID: "pauseAgent", summary: "Pause an agent.",
            tag: "control", access: .write, errors: [404]
        ) { _, context, backend in
            try await steer(.pause(agent: try agent(context, backend)), backend)
        },
        APIRoute(
            method: .post, path: "/api/agents/{name}/resume", operationID: "resumeAgent",
            summary: "Resume an agent (also one paused by loop detection).", tag: "control", access: .write,
            errors: [404]
        ) { _, context, backend in
            try await steer(.resume(agent: try agent(context, backend)), backend)
        },
        APIRoute(
            method: .post, path: "/api/agents/{name}/top-up", operationID: "topUp",
            summary: "Add credits to an agent's balance.", tag: "control", access: .write,
            body: [
                "type": "object", "required": ["amount"],
                "properties": ["amount": ["type": "number", "exclusiveMinimum": 0]],
            ],
            errors: [404, 413]
        ) { request, context, backend in
            let name = try agent(context, backend)
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            guard let amount = body["amount"]?.doubleValue, amount > 0, amount.isFinite, amount < 1e15 else {
                throw APIError.badRequest("must be a positive number", field: "amount")
            }
            return try await steer(.topUp(agent: name, amount: amount), backend)
        },
        APIRoute(
            method: .post, path: "/api/approvals/{id}/approve", operationID: "approve",
            summary: "Approve a tool call waiting for the human; it runs at the next tick.", tag: "control",
            access: .write,
            body: ["type": "object", "properties": ["reason": ["type": "string"]]],
            errors: [404, 413]
        ) { request, context, backend in
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            return try await answer(context, approve: true, reason: try AgentRoutes.string(body, "reason"), backend)
        },
        APIRoute(
            method: .post, path: "/api/approvals/{id}/deny", operationID: "deny",
            summary: "Deny a tool call waiting for the human; the agent is told at the next tick.", tag: "control",
            access: .write,
            body: ["type": "object", "properties": ["reason": ["type": "string"]]],
            errors: [404, 413]
        ) { request, context, backend in
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            return try await answer(context, approve: false, reason: try AgentRoutes.string(body, "reason"), backend)
        },
    ]

    private static func agent(_ context: APIContext, _ backend: OrgBackend) throws -> String {
        let name = try context.agentName(allowHuman: false)
        guard try backend.view().isAgent(name) else {
            throw APIError.notFound("no agent named '\(name)'")
        }
        return name
    }

    private static func steer(_ command: ControlCommand, _ backend: OrgBackend) async throws -> Response {
        switch try await backend.steer([command]) {
        case .applied(let events):
            return .json([
                "status": "applied", "command": command.json,
                "events": .array(events.filter { $0.kind != .commandApplied }.map(\.json)),
            ])
        case .queued:
            return .json(["status": "queued", "command": command.json], status: .accepted)
        }
    }

    private static func answer(
        _ context: APIContext, approve: Bool, reason: String?, _ backend: OrgBackend
    )
        async throws -> Response
    {
        let id = context.parameters.get("id") ?? ""
        return .json(
            try await PendingRequest.answer(id, approve: approve, reason: reason, in: try backend.view()) {
                try await backend.steer($0)
            })
    }
}
