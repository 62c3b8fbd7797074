import LemmingJSON

/// A tool agents may call (DESIGN §7).
///
/// A tool reads what it needs from its ``ToolContext`` and returns a result the agent sees in its
/// next turn. It changes engine-owned state (memory, credits, new agents) only by returning
/// ``ToolEffect``s, which the engine applies under its journal; side effects in the agent's
/// workspace or `shared/` happen when the tool runs, before the tick commits.
public protocol Tool: Sendable {
    /// The name agents call it by (`file_write`, `mcp.<server>.<tool>`); matches ``ResumeSpec/Pattern/toolName``.
    var name: String { get }
    /// One sentence for the prompt.
    var summary: String { get }
    /// JSON Schema of the arguments; calls are validated against it before ``run(_:context:)``.
    var argumentSchema: JSONValue { get }
    /// Whether running the tool does anything outside the engine's state (files, processes, the
    /// network). Such calls are recorded as they complete and never run twice for one tick, even
    /// across a crash (DESIGN §5.6); a tool that only returns a result and ``ToolEffect``s says
    /// `false`. Defaults to `true`.
    var hasExternalEffects: Bool { get }
    /// Runs a call whose arguments passed the schema. Failures are results, never thrown.
    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput
}

extension Tool {
    /// Tools have external effects unless they say otherwise.
    public var hasExternalEffects: Bool { true }
}

/// What a tool call produced.
public struct ToolOutput: Sendable {
    /// What the agent is shown.
    public var result: ToolResult
    /// Changes to engine-owned state, applied in the commit in order.
    public var effects: [ToolEffect]

    /// An output of `result` with `effects` (default none).
    public init(_ result: ToolResult, effects: [ToolEffect] = []) {
        self.result = result
        self.effects = effects
    }
}

/// A change to engine-owned state that a tool asks for; the engine applies it in the commit.
public enum ToolEffect: Sendable, Equatable {
    /// A memory update of the calling agent (as in a reply's `memory_updates`).
    case memory(MemoryUpdate)
    /// A new agent: its resume document, and the credits moved to it from the caller.
    case createAgent(name: String, resume: JSONObject, credits: Double)
    /// Credits a tool's own provider calls cost (embeddings), charged to the caller's ledger.
    case charge(cost: Double, inputTokens: Int, purpose: String)
}

/// Where a tool call runs and what it may see.
public struct ToolContext: Sendable {
    /// The calling agent's name.
    public var agent: String
    /// The tick the call runs in.
    public var tick: Int
    /// The caller's resume (its permissions decide what the tool may do).
    public var resume: Resume
    /// The org's paths (workspaces, `shared/`).
    public var org: OrgPaths
    /// The org's settings (tool caps in ``OrgConfig/tools``).
    public var config: OrgConfig
    /// The caller's memory, with the updates of earlier calls of the same turn applied.
    public var memory: MemoryBook

    /// The context of a call by `agent` in `tick`.
    public init(agent: String, tick: Int, resume: Resume, org: OrgPaths, config: OrgConfig, memory: MemoryBook) {
        self.agent = agent
        self.tick = tick
        self.resume = resume
        self.org = org
        self.config = config
        self.memory = memory
    }
}

/// Builds an org's tools from its settings (`lemming.json` `tools`); the composition root passes
/// one to the engine.
public protocol ToolFactory: Sendable {
    /// - Throws: ``LemmingError`` naming the `lemming.json` field that is wrong.
    func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry
}

/// The factory of an engine with no tools: every call is a failure the agent sees.
public struct NoTools: ToolFactory {
    /// The factory.
    public init() {}
    /// An empty registry, for any settings.
    ///
    /// - Throws: never; the signature is the protocol's.
    public func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry { ToolRegistry() }
}
