import LemmingCore
import LemmingJSON

/// What an MCP client may do with an org through ``OrgMCPServer`` (issue 14 §2): the operations
/// its tools call, implemented by whoever hosts the server (`lemming mcp` over stdio). Results
/// are JSON as the CLI's `--json` and the HTTP API give them; failures are thrown as
/// `LemmingError`s, which the client sees as tool errors with their message.
public protocol OrgOperations: Sendable {
    /// Every agent and the human, as `lemming agents --json` lists them.
    func agents() async throws -> JSONValue
    /// The tick, every agent's state and credits, and warnings (`lemming status --json`).
    func status() async throws -> JSONValue
    /// Sends `text` from the human to `agent` (`lemming send`), answering the entry `replyTo`
    /// when given: applied now when no engine runs, else queued for the running engine's next tick.
    func send(
        to agent: String, text: String, kind: String, priority: Priority, replyTo: String?
    ) async throws
        -> JSONValue
    /// Entries addressed to the human after the entry `after` (all when `nil`), at most `limit`,
    /// newest first; waits up to `waitSeconds` for one when there is none yet.
    func inbox(after: String?, limit: Int, waitSeconds: Double) async throws -> JSONValue
    /// Runs one tick (`lemming step`).
    func step() async throws -> JSONValue
    /// A full-text search of the org's history (`lemming search --json`).
    func search(query: String, limit: Int) async throws -> JSONValue
    /// The tool calls waiting for the human's approval (`lemming approvals --json`).
    func approvals() async throws -> JSONValue
    /// Approves or denies a waiting tool call (`lemming approve` / `lemming deny`).
    func answer(request: String, approve: Bool, reason: String?) async throws -> JSONValue
    /// The names of the org's agents, sorted (their resumes are resources).
    func agentNames() async throws -> [String]
    /// An agent's `resume.json`, as the file holds it; `nil` when there is no such agent.
    func resume(of agent: String) async throws -> String?
    /// An outbox entry, live or archived (`GET /api/messages/{id}`); `nil` when there is none.
    func entry(_ id: String) async throws -> JSONValue?
}
