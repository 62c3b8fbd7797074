/// The `a2a` settings of `lemming.json` (issue 14 §3): which agents `lemming serve` exposes to
/// Agent2Agent clients, and the remote A2A agents this org's agents may call as tools.
///
/// ```json
/// "a2a": {
///   "expose": ["manager"],
///   "agents": {
///     "translator": {"url": "https://agents.example.com/translator",
///                    "headers_env": {"Authorization": "TRANSLATOR_AUTH"},
///                    "timeout_seconds": 120, "requires_approval": false}
///   }
/// }
/// ```
public struct A2ASettings: Sendable, Equatable {
    /// A remote A2A agent, called by the tool `a2a.<name>`.
    public struct RemoteAgent: Sendable, Equatable {
        /// The name in `a2a.agents`; the tool is `a2a.<name>`.
        public var name = ""
        /// Its Agent Card's URL, or the base URL its card is found under
        /// (`<url>/.well-known/agent-card.json`).
        public var url = ""
        /// HTTP header name → the environment variable holding its value (never the value).
        public var headersFromEnvironment: [String: String] = [:]
        /// Seconds a call may take, from sending the message to the remote task's end; then the
        /// task is canceled and the call fails.
        public var timeoutSeconds = 120.0
        /// The most bytes of the remote answer shown to the agent.
        public var maxOutputBytes = 65_536
        /// Whether its calls wait for the human's approval.
        public var requiresApproval = false

        /// A remote agent named `name` at `url`, every other setting at its default.
        public init(name: String = "", url: String = "") {
            self.name = name
            self.url = url
        }

        /// The tool's name: `a2a.<name>`.
        public var toolName: String { A2ASettings.toolPrefix + name }
    }

    /// The agents offered as skills on the Agent Card; none by default.
    public var expose: [String] = []
    /// Seconds a `SendMessage` that asks to wait (`returnImmediately` false) waits for the task to end
    /// before answering with the task as it stands.
    public var waitSeconds = 30.0
    /// The URL of the JSON-RPC endpoint as clients reach it (behind a proxy); `nil`: the request's
    /// `Host` and `/a2a`.
    public var publicURL: String?
    /// The remote agents, sorted by name.
    public var agents: [RemoteAgent] = []

    /// No agent exposed and no remote agent: A2A off.
    public init() {}

    /// The prefix of the remote agents' tool names.
    public static let toolPrefix = "a2a."

    /// The remote agent whose tool is `toolName`.
    public func agent(tool toolName: String) -> RemoteAgent? {
        agents.first { $0.toolName == toolName }
    }
}
