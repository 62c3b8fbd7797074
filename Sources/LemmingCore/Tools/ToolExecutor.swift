/// A tool an agent may call, as the prompt describes it.
public struct ToolDescription: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// JSON Schema of the arguments.
    public var argumentSchema: JSONValue

    public init(name: String, summary: String, argumentSchema: JSONValue) {
        self.name = name
        self.summary = summary
        self.argumentSchema = argumentSchema
    }
}

/// The outcome of one tool call, recorded in the turn record and shown in the agent's next turn.
public struct ToolResult: Sendable, Equatable {
    public var tool: String
    public var isSuccess: Bool
    public var output: String
    public var error: String?
    public var isTruncated: Bool

    public init(tool: String, isSuccess: Bool, output: String = "", error: String? = nil, isTruncated: Bool = false) {
        self.tool = tool
        self.isSuccess = isSuccess
        self.output = output
        self.error = error
        self.isTruncated = isTruncated
    }

    public static func failure(_ tool: String, _ error: String) -> ToolResult {
        ToolResult(tool: tool, isSuccess: false, error: error)
    }

    public var json: JSONValue {
        [
            "tool": .string(tool), "success": .bool(isSuccess), "output": .string(output), "error": .optional(error),
            "truncated": .bool(isTruncated),
        ]
    }

    init(json value: JSONValue) {
        tool = value["tool"]?.stringValue ?? ""
        isSuccess = value["success"]?.boolValue ?? false
        output = value["output"]?.stringValue ?? ""
        error = value["error"]?.stringValue
        isTruncated = value["truncated"]?.boolValue ?? false
    }
}

/// Where a tool call runs.
public struct ToolContext: Sendable {
    public var agent: String
    public var tick: Int
    public var resume: Resume
    public var org: OrgPaths

    public init(agent: String, tick: Int, resume: Resume, org: OrgPaths) {
        self.agent = agent
        self.tick = tick
        self.resume = resume
        self.org = org
    }
}

/// Runs the tool calls of a turn. The engine has already checked `permissions.tools`.
public protocol ToolExecutor: Sendable {
    /// Every tool that exists; other names in `permissions.tools` are validation warnings.
    var knownToolNames: Set<String> { get }
    /// Descriptions of the tools among `names` that exist.
    func descriptions(of names: [String]) -> [ToolDescription]
    /// Runs one permitted call; failures are results, never thrown.
    func execute(_ call: ToolCall, context: ToolContext) async -> ToolResult
}

/// The executor of an engine with no tools: every call is a failure the agent sees.
public struct NoToolExecutor: ToolExecutor {
    public init() {}
    public var knownToolNames: Set<String> { [] }
    public func descriptions(of names: [String]) -> [ToolDescription] { [] }
    public func execute(_ call: ToolCall, context: ToolContext) async -> ToolResult {
        .failure(call.tool, "no tool named '\(call.tool)' exists in this org")
    }
}
