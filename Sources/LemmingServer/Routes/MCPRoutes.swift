import Foundation
import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingMCP
import MCP

/// The org as an MCP server over HTTP (issue 14 §2): the tools and resources of `lemming mcp` at
/// `/mcp`, in the streamable HTTP transport's stateless form (each POST carries JSON-RPC and
/// gets its JSON answer; no session, no server-sent stream), behind the API's keys.
enum MCPRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .post, path: "/mcp", operationID: "mcp",
            summary:
                "Model Context Protocol (streamable HTTP, stateless): a JSON-RPC message in, its JSON answer out "
                + "(202 for notifications). The tools and resources of `lemming mcp`.",
            tag: "mcp", access: .write, body: ["type": "object"], success: 200, errors: [405, 406, 413, 415]
        ) { request, _, backend in
            try await answer(request, backend)
        },
        APIRoute(
            method: .get, path: "/mcp", operationID: "mcpStream",
            summary: "No server-sent stream in the stateless form: 405.", tag: "mcp", access: .write, success: 405
        ) { request, _, backend in
            try await answer(request, backend)
        },
        APIRoute(
            method: .delete, path: "/mcp", operationID: "mcpEnd",
            summary: "No session to end in the stateless form: 405.", tag: "mcp", access: .write, success: 405
        ) { request, _, backend in
            try await answer(request, backend)
        },
    ]

    static func answer(_ request: Request, _ backend: OrgBackend) async throws -> Response {
        let body = request.method == .post ? try await request.bodyBytes(limit: backend.settings.maxBodyBytes) : []
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let answer = await backend.mcp.handle(
            MCP.HTTPRequest(
                method: request.method.rawValue, headers: headers, body: body.isEmpty ? nil : Data(body),
                path: request.uri.path), backend: backend)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        var buffer = ByteBuffer()
        if let data = answer.bodyData { buffer.writeBytes(data) }
        return Response(
            status: HTTPResponse.Status(code: answer.statusCode), headers: fields,
            body: ResponseBody(byteBuffer: buffer))
    }
}

/// The MCP server of `lemming serve`: started at its first request, over the backend's ways to
/// steer the org, step it (serialised with its other engines) and search it.
actor MCPEndpoint {
    private var transport: StatelessHTTPServerTransport?
    private var server: Server?

    func handle(_ request: MCP.HTTPRequest, backend: OrgBackend) async -> MCP.HTTPResponse {
        do {
            return try await started(backend).handleRequest(request)
        } catch {
            return .error(statusCode: 500, .internalError("the MCP server could not start: \(error)"))
        }
    }

    private func started(_ backend: OrgBackend) async throws -> StatelessHTTPServerTransport {
        if let transport { return transport }
        let transport = StatelessHTTPServerTransport()
        let server = await OrgMCPServer(operations: backend.mcpOperations, version: LemmingVersion.current)
            .makeServer()
        try await server.start(transport: transport)
        self.transport = transport
        self.server = server
        return transport
    }

    /// Stops the server (when the HTTP server shuts down).
    func stop() async {
        await server?.stop()
        server = nil
        transport = nil
    }
}
