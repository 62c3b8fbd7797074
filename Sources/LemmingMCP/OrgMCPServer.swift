import LemmingCore
import LemmingJSON
import Logging
import MCP

/// The org as a Model Context Protocol server (issue 14 §2): tools to list its agents, read its
/// status, send a message as the human, read the human's inbox (waiting for an answer), step a
/// tick, search its history and answer approval requests, so that a person can talk to their
/// org from any MCP client.
/// Built on the official Swift SDK; the operations come from an ``OrgOperations``.
///
/// Tool failures (an unknown agent, a locked org, bad arguments) are results with `isError` and
/// the reason as text, as the MCP specification asks of tool errors; protocol errors (an unknown
/// tool) are JSON-RPC errors.
public struct OrgMCPServer: Sendable {
    /// The longest a `read_inbox` call waits for an entry.
    public static let maximumWaitSeconds = 300.0

    let operations: any OrgOperations
    let version: String

    public init(operations: any OrgOperations, version: String) {
        self.operations = operations
        self.version = version
    }

    /// One tool: its MCP description and what a call does.
    struct OrgTool: Sendable {
        var name: String
        var description: String
        var inputSchema: JSONValue
        var call: @Sendable (any OrgOperations, JSONObject) async throws -> JSONValue
    }

    static let tools: [OrgTool] = [
        OrgTool(
            name: "list_agents", description: "The org's agents and the human: role, model, state, credits.",
            inputSchema: object([:])
        ) { operations, _ in try await operations.agents() },
        OrgTool(
            name: "get_status",
            description: "The org's tick, whether an engine runs, every agent's state and credits, and warnings.",
            inputSchema: object([:])
        ) { operations, _ in try await operations.status() },
        OrgTool(
            name: "send_message",
            description:
                "Send a message from the human to an agent. It is read at the next tick: step, or let the running engine tick.",
            inputSchema: object(
                [
                    "agent": ["type": "string", "description": "the agent's name"],
                    "text": ["type": "string", "description": "the message", "minLength": 1],
                    "kind": ["type": "string", "description": "the entry's kind (default message)"],
                    "priority": ["type": "string", "enum": ["urgent", "normal", "low"], "description": "(normal)"],
                    "reply_to": ["type": "string", "description": "the id of the entry this answers"],
                ], required: ["agent", "text"])
        ) { operations, arguments in
            let priorityName = arguments["priority"]?.stringValue ?? "normal"
            guard let priority = Priority(rawValue: priorityName) else {
                throw argumentError("priority must be urgent, normal or low")
            }
            return try await operations.send(
                to: try string(arguments, "agent"), text: try string(arguments, "text"),
                kind: arguments["kind"]?.stringValue ?? "message", priority: priority,
                replyTo: arguments["reply_to"]?.stringValue)
        },
        OrgTool(
            name: "read_inbox",
            description:
                "Entries addressed to the human, newest first; with after, only those after that entry id, "
                + "waiting up to wait_seconds for one.",
            inputSchema: object([
                "after": ["type": "string", "description": "an entry id, e.g. 00000003-manager-01"],
                "limit": ["type": "integer", "minimum": 1, "maximum": 100, "description": "at most this many (20)"],
                "wait_seconds": [
                    "type": "number", "minimum": 0, "maximum": .double(maximumWaitSeconds),
                    "description": "how long to wait for an entry when there is none yet (0)",
                ],
            ])
        ) { operations, arguments in
            let count = try limit(arguments)
            let wait = arguments["wait_seconds"]?.doubleValue ?? 0
            guard wait >= 0, wait <= maximumWaitSeconds else {
                throw argumentError("wait_seconds must be 0 to \(Int(maximumWaitSeconds))")
            }
            return try await operations.inbox(after: arguments["after"]?.stringValue, limit: count, waitSeconds: wait)
        },
        OrgTool(
            name: "step", description: "Run one tick now (refused while an engine runs the org).",
            inputSchema: object([:])
        ) { operations, _ in try await operations.step() },
        OrgTool(
            name: "search",
            description: "Full-text search of what the org said, did and remembered (SQLite FTS5 syntax).",
            inputSchema: object(
                [
                    "query": [
                        "type": "string", "minLength": 1, "description": "words, \"phrases\", prefix*, AND/OR/NOT",
                    ],
                    "limit": [
                        "type": "integer", "minimum": 1, "maximum": 100, "description": "at most this many (20)",
                    ],
                ], required: ["query"])
        ) { operations, arguments in
            try await operations.search(query: try string(arguments, "query"), limit: try limit(arguments))
        },
        OrgTool(
            name: "list_approvals",
            description: "Tool calls waiting for the human's approval: request id, agent, tool, arguments, expiry.",
            inputSchema: object([:])
        ) { operations, _ in try await operations.approvals() },
        OrgTool(
            name: "approve",
            description: "Approve a waiting tool call: it runs at the next tick.",
            inputSchema: object(
                ["request": ["type": "string", "description": "the request id (list_approvals)"]],
                required: ["request"])
        ) { operations, arguments in
            try await operations.answer(request: try string(arguments, "request"), approve: true, reason: nil)
        },
        OrgTool(
            name: "deny",
            description: "Deny a waiting tool call; the agent is told why at the next tick.",
            inputSchema: object(
                [
                    "request": ["type": "string", "description": "the request id (list_approvals)"],
                    "reason": ["type": "string", "description": "why, for the agent"],
                ], required: ["request"])
        ) { operations, arguments in
            try await operations.answer(
                request: try string(arguments, "request"), approve: false, reason: arguments["reason"]?.stringValue)
        },
    ]

    static func object(_ properties: JSONObject, required: [String] = []) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .strings(required)]
    }

    static func string(_ arguments: JSONObject, _ name: String) throws -> String {
        guard let value = arguments[name]?.stringValue, !value.isEmpty else {
            throw argumentError("\(name) is required and must be a non-empty string")
        }
        return value
    }

    /// `limit`: 1 to 100, 20 when absent.
    static func limit(_ arguments: JSONObject) throws -> Int {
        let limit = arguments["limit"]?.intValue ?? 20
        guard (1...100).contains(limit) else { throw argumentError("limit must be 1 to 100") }
        return limit
    }

    static func argumentError(_ message: String) -> LemmingError {
        LemmingError(.invalidArgument, message)
    }

    /// An SDK server with the tools registered, ready to start on a transport.
    public func makeServer() async -> Server {
        let server = Server(
            name: "lemming", version: version, title: "LeMMing org",
            instructions:
                "This is a LeMMing org: agents that take turns at ticks. Send a message to an agent, then step "
                + "(or let the running engine tick) and read the human's inbox for the answer.",
            capabilities: .init(
                resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let operations = self.operations
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(
                tools: Self.tools.map {
                    MCP.Tool(name: $0.name, description: $0.description, inputSchema: $0.inputSchema.mcpValue)
                })
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            guard let tool = Self.tools.first(where: { $0.name == parameters.name }) else {
                throw MCPError.invalidParams("no tool named '\(parameters.name)'")
            }
            var arguments = JSONObject()
            for (key, value) in (parameters.arguments ?? [:]).sorted(by: { $0.key < $1.key }) {
                arguments[key] = JSONValue(value)
            }
            do {
                let result = try await tool.call(operations, arguments)
                // Structured content must be an object (MCP 2025-06-18): lists go as text only.
                let structured: MCP.Value? = result.objectValue == nil ? nil : result.mcpValue
                return CallTool.Result(
                    content: [.text(text: result.compactText, annotations: nil, _meta: nil)],
                    structuredContent: structured, isError: false)
            } catch let error as LemmingError {
                return CallTool.Result(
                    content: [.text(text: error.message, annotations: nil, _meta: nil)], isError: true)
            }
        }
        await OrgResources.register(on: server, operations: operations)
        return server
    }

    /// Serves over `transport` until the client goes away.
    ///
    /// - Throws: the transport's error when it cannot be connected.
    public func run(over transport: any Transport) async throws {
        let server = await makeServer()
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
    }
}
