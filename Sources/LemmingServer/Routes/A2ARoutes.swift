import HTTPTypes
import Hummingbird
import LemmingA2A
import LemmingCore
import LemmingJSON
import LemmingOrgView
import NIOCore
import ServiceLifecycle

/// The org as an A2A v1.0 agent (issue 14 §3): its Agent Card at `/.well-known/agent-card.json`
/// and the JSON-RPC binding at `/a2a`, behind the API's keys and rate limits. Reading a task needs
/// what a read needs; `SendMessage`, `SendStreamingMessage` and `CancelTask` need what a change
/// needs (and count against the write limit). Every answer is JSON-RPC with HTTP 200, errors
/// included, except the API's own refusals (401, 413, 429).
enum A2ARoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/.well-known/agent-card.json", operationID: "agentCard",
            summary:
                "The org's A2A Agent Card: the agents of a2a.expose as skills, the JSON-RPC endpoint (/a2a), and "
                + "the bearer scheme when the API needs a key.",
            tag: "a2a", access: .read, errors: [503]
        ) { request, _, backend in
            do throws(JSONRPCError) {
                let card = try backend.a2a.card(
                    endpoint: endpoint(request, backend), requiresKey: backend.access.needsKey(.write))
                return .json(card.json)
            } catch {
                throw APIError(.serviceUnavailable, "org_unreadable", error.message)
            }
        },
        APIRoute(
            method: .post, path: "/a2a", operationID: "a2a",
            summary:
                "A2A v1.0 JSON-RPC: SendMessage, SendStreamingMessage and SubscribeToTask (server-sent events), GetTask, "
                + "CancelTask. Errors are JSON-RPC errors with HTTP 200.",
            tag: "a2a", access: .read,
            body: [
                "type": "object", "required": ["jsonrpc", "method"],
                "properties": [
                    "jsonrpc": ["const": "2.0"], "id": ["type": ["string", "integer", "null"]],
                    "method": ["type": "string"], "params": ["type": "object"],
                ],
            ],
            errors: [413]
        ) { request, context, backend in
            try await answer(request, context, backend)
        },
    ]

    /// The protocol version a client speaks (A2A §3.6.2); absent is taken as 1.0.
    static let versionHeader = HTTPField.Name("A2A-Version")

    /// The JSON-RPC endpoint's URL as the client reached this server: `a2a.url`, else
    /// `http://<Host>/a2a` (the `Host` passed the DNS-rebinding check already).
    static func endpoint(_ request: Request, _ backend: OrgBackend) -> String {
        if let url = try? backend.view().config.a2a.publicURL { return url }
        let host = request.head.authority ?? "\(backend.configuration.host):\(backend.configuration.port)"
        return "http://\(host)/a2a"
    }

    static func answer(_ request: Request, _ context: APIContext, _ backend: OrgBackend) async throws -> Response {
        let body = try await request.bodyBytes(limit: backend.settings.maxBodyBytes)
        let rpc: JSONRPCRequest
        switch JSONRPCRequest.read(body) {
        case .success(let read): rpc = read
        case .failure(let failure): return .json(failure.error.response(id: failure.id))
        }
        if let name = versionHeader, let version = request.headers[name], !version.isEmpty,
            version.split(separator: ".").first != "1"
        {
            return .json(
                JSONRPCError(.versionNotSupported, "A2A-Version \(version) is not supported: this server speaks 1.0")
                    .response(id: rpc.id))
        }
        if OrgA2AServer.changingMethods.contains(rpc.method) {
            try backend.access.check(.write, request: request)
            try backend.limiter.take("\(context.client) a2a.write", perMinute: backend.settings.writesPerMinute)
        }
        let server = backend.a2a
        guard OrgA2AServer.streamingMethods.contains(rpc.method) else {
            return .json(await server.respond(to: rpc))
        }
        let task: A2ATask
        do {
            task = try await server.startStream(rpc)
        } catch {
            return .json(error.response(id: rpc.id))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                // A stream ends when its task does, when the client leaves (a write fails) or when
                // the server shuts down.
                try? await server.follow(task, request: rpc, isStopping: { Task.isShuttingDownGracefully }) { event in
                    var buffer = ByteBuffer()
                    if let event {
                        buffer.writeString("data: ")
                        buffer.writeBytes(JSONWriter(style: .compact).bytes(event))
                        buffer.writeString("\n\n")
                    } else {
                        buffer.writeString(": keep-alive\n\n")
                    }
                    try await writer.write(buffer)
                }
                try await writer.finish(nil)
            })
    }
}
