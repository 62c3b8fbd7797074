import LemmingCore
import LemmingJSON
import MCP
import Synchronization
import Testing

@testable import LemmingMCP

/// Operations that record their calls and answer with fixed values, or fail as told.
final class RecordingOperations: OrgOperations {
    let calls = Mutex<[String]>([])
    let failure: LemmingError?

    init(failure: LemmingError? = nil) {
        self.failure = failure
    }

    private func record(_ call: String) throws {
        calls.withLock { $0.append(call) }
        if let failure { throw failure }
    }

    func agents() async throws -> JSONValue {
        try record("agents")
        return [["name": "manager"]]
    }

    func status() async throws -> JSONValue {
        try record("status")
        return ["next_tick": 3]
    }

    func send(
        to agent: String, text: String, kind: String, priority: Priority, replyTo: String?
    ) async throws
        -> JSONValue
    {
        try record("send \(agent) \(kind) \(priority.rawValue) \(replyTo ?? "-") \(text)")
        return ["status": "sent", "id": "00000003-human-01"]
    }

    func inbox(after: String?, limit: Int, waitSeconds: Double) async throws -> JSONValue {
        try record("inbox \(after ?? "-") \(limit) \(waitSeconds)")
        return []
    }

    func step() async throws -> JSONValue {
        try record("step")
        return ["tick": 3]
    }

    func search(query: String, limit: Int) async throws -> JSONValue {
        try record("search \(query) \(limit)")
        return ["total": 0, "results": []]
    }

    func approvals() async throws -> JSONValue {
        try record("approvals")
        return []
    }

    func answer(request: String, approve: Bool, reason: String?) async throws -> JSONValue {
        try record("answer \(request) \(approve) \(reason ?? "-")")
        return ["status": "recorded"]
    }

    func agentNames() async throws -> [String] { ["coder", "manager"] }

    func resume(of agent: String) async throws -> String? {
        agent == "coder" ? #"{"name": "coder"}"# : nil
    }

    func entry(_ id: String) async throws -> JSONValue? {
        id == "00000001-coder-01" ? ["id": "00000001-coder-01", "archived": true] : nil
    }
}

@Suite(.timeLimit(.minutes(1))) struct OrgMCPServerTests {
    /// A client connected in memory to a server over `operations`.
    func withClient<T: Sendable>(
        _ operations: RecordingOperations, _ body: (Client) async throws -> T
    ) async throws -> T {
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        let server = await OrgMCPServer(operations: operations, version: "test").makeServer()
        try await server.start(transport: serverSide)
        let client = Client(name: "test", version: "1")
        _ = try await client.connect(transport: clientSide)
        do {
            let result = try await body(client)
            await client.disconnect()
            await server.stop()
            return result
        } catch {
            await client.disconnect()
            await server.stop()
            throw error
        }
    }

    func text(_ content: [MCP.Tool.Content]) -> String {
        guard case .text(let text, _, _)? = content.first else { return "" }
        return text
    }

    @Test func listsItsToolsWithTheirSchemas() async throws {
        let tools = try await withClient(RecordingOperations()) { try await $0.listTools().tools }
        #expect(
            tools.map(\.name) == [
                "list_agents", "get_status", "send_message", "read_inbox", "step", "search", "list_approvals",
                "approve",
                "deny",
            ])
        let send = try #require(tools.first { $0.name == "send_message" })
        #expect(JSONValue(send.inputSchema)["required"] == ["agent", "text"])
    }

    @Test func callsReachTheOperationsWithTheirArguments() async throws {
        let operations = RecordingOperations()
        let results = try await withClient(operations) { client in
            [
                try await client.callTool(name: "send_message", arguments: ["agent": "manager", "text": "hi"]),
                try await client.callTool(
                    name: "read_inbox", arguments: ["after": "00000001-human-01", "wait_seconds": 2]),
                try await client.callTool(name: "search", arguments: ["query": "login", "limit": 5]),
                try await client.callTool(name: "step"),
                try await client.callTool(name: "deny", arguments: ["request": "00000004-coder-01", "reason": "no"]),
            ]
        }
        #expect(results.allSatisfy { $0.isError == false })
        #expect(text(results[0].content) == #"{"status":"sent","id":"00000003-human-01"}"#)
        #expect(
            operations.calls.withLock { $0 } == [
                "send manager message normal - hi", "inbox 00000001-human-01 20 2.0", "search login 5", "step",
                "answer 00000004-coder-01 false no",
            ])
    }

    @Test func badArgumentsAndFailuresAreErrorResults() async throws {
        let operations = RecordingOperations(failure: LemmingError(.locked, "an engine is running on this org"))
        let results = try await withClient(operations) { client in
            [
                try await client.callTool(name: "send_message", arguments: ["agent": "manager"]),
                try await client.callTool(name: "read_inbox", arguments: ["wait_seconds": 301]),
                try await client.callTool(name: "search", arguments: ["query": "x", "limit": 0]),
                try await client.callTool(
                    name: "send_message", arguments: ["agent": "a", "text": "t", "priority": "high"]),
                try await client.callTool(name: "step"),
            ]
        }
        #expect(results.allSatisfy { $0.isError == true })
        #expect(text(results[0].content) == "text is required and must be a non-empty string")
        #expect(text(results[1].content) == "wait_seconds must be 0 to 300")
        #expect(text(results[2].content) == "limit must be 1 to 100")
        #expect(text(results[3].content) == "priority must be urgent, normal or low")
        #expect(text(results[4].content) == "an engine is running on this org")
        // Arguments were refused before the operations saw them; only step reached them.
        #expect(operations.calls.withLock { $0 } == ["step"])
    }

    @Test func resumesAreResourcesAndEntriesATemplate() async throws {
        let (resources, templates, resume, entry) = try await withClient(RecordingOperations()) { client in
            (
                try await client.listResources().resources, try await client.listResourceTemplates().templates,
                try await client.readResource(uri: "lemming://agents/coder/resume.json"),
                try await client.readResource(uri: "lemming://entries/00000001-coder-01")
            )
        }
        #expect(resources.map(\.uri) == ["lemming://agents/coder/resume.json", "lemming://agents/manager/resume.json"])
        #expect(templates.map(\.uriTemplate) == ["lemming://entries/{id}"])
        #expect(resume.first?.text == #"{"name": "coder"}"#)
        #expect(entry.first?.text == #"{"id":"00000001-coder-01","archived":true}"#)
    }

    @Test(arguments: [
        "lemming://agents/nobody/resume.json", "lemming://entries/00000009-coder-01", "lemming://agents/coder",
        "file:///etc/passwd", "lemming://entries/",
    ])
    func anUnknownResourceIsNotFound(uri: String) async throws {
        let error = await #expect(throws: MCPError.self) {
            try await withClient(RecordingOperations()) { try await $0.readResource(uri: uri) }
        }
        #expect(error?.code == -32002)
    }

    @Test func resourceAddressesAreParsedStrictly() {
        #expect(OrgResources.target(of: "lemming://agents/coder/resume.json") == .resume("coder"))
        #expect(OrgResources.target(of: "lemming://entries/00000001-coder-01") == .entry("00000001-coder-01"))
        #expect(OrgResources.target(of: "lemming://agents/coder/resume.json/x") == nil)
        #expect(OrgResources.target(of: "lemming://agents//resume.json") == nil)
        #expect(OrgResources.target(of: "lemming://other/x") == nil)
    }

    @Test func anUnknownToolIsAProtocolError() async throws {
        await #expect(throws: MCPError.self) {
            try await withClient(RecordingOperations()) { try await $0.callTool(name: "nope") }
        }
    }
}
