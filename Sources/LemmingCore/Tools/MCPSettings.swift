/// The `mcp` settings of `lemming.json` (DESIGN §7): Model Context Protocol servers whose tools
/// agents may call as `mcp.<server>.<tool>`.
///
/// ```json
/// "mcp": {"servers": {
///   "time": {"command": ["uvx", "mcp-server-time"], "env": {"TZ": "UTC"}, "network": false},
///   "docs": {"url": "https://mcp.example.com/mcp", "headers_env": {"Authorization": "DOCS_MCP_TOKEN"}}
/// }}
/// ```
public struct MCPSettings: Sendable, Equatable {
    /// One server: a program spoken to over its standard input and output (`command`), or an
    /// endpoint of the streamable HTTP transport (`url`).
    public struct Server: Sendable, Equatable {
        /// How the engine reaches a server (MCP specification 2025-06-18, "Transports").
        public enum Transport: Sendable, Equatable {
            /// A program spoken to over its standard input and output (`command`).
            case stdio
            /// An HTTP endpoint of the streamable HTTP transport (`url`).
            case streamableHTTP
        }

        /// The server's name: its tools are `mcp.<name>.<tool>`.
        public var name = ""
        /// stdio: program and arguments; a program with a `/` is relative to the org folder,
        /// others are looked up on `PATH`.
        public var command: [String] = []
        /// stdio: variables set in the program's environment (besides `PATH`), as written.
        public var env: [String: String] = [:]
        /// stdio: names of variables copied from the engine's environment (an API key the server
        /// needs); no other variable of the engine reaches the program.
        public var passEnv: [String] = []
        /// streamable HTTP: the endpoint's URL (`http` or `https`).
        public var url: String?
        /// streamable HTTP: header name → name of the environment variable holding its value
        /// (`{"Authorization": "DOCS_MCP_TOKEN"}`); values never appear in files or logs.
        public var headersEnv: [String: String] = [:]
        /// Seconds one tool call may take; then it is cancelled and fails.
        public var timeoutSeconds = 60.0
        /// Seconds the server may take to start and answer `initialize` and `tools/list`.
        public var startupTimeoutSeconds = 30.0
        /// The most bytes of a result shown to the agent; the rest is cut (and marked truncated).
        public var maxOutputBytes = 65_536
        /// Whether calls of its tools wait for the human's approval.
        public var requiresApproval = false
        /// stdio: `none` runs the program unconfined.
        public var sandbox = ToolSettings.SandboxMode.kernel
        /// stdio: whether the program may use the network.
        public var allowsNetwork = false
        /// stdio: other programs it may run (names on `PATH` or absolute paths).
        public var exec: [String] = []

        /// A server with every setting at its default (no command, no URL).
        public init() {}

        /// `streamableHTTP` when ``url`` is set, else `stdio`.
        public var transport: Transport { url == nil ? .stdio : .streamableHTTP }
    }

    /// The servers, by name.
    public var servers: [Server] = []

    /// No servers.
    public init() {}

    /// The server named `name`.
    public subscript(name: String) -> Server? { servers.first { $0.name == name } }
}
