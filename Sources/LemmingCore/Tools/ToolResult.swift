import LemmingJSON

/// A tool an agent may call, as the prompt describes it.
public struct ToolDescription: Sendable, Equatable {
    /// The tool's name as agents call it.
    public var name: String
    /// One sentence on what it does.
    public var summary: String
    /// JSON Schema of the arguments.
    public var argumentSchema: JSONValue
    /// The call waits for the human's approval before it runs.
    public var requiresApproval: Bool

    /// A description of `name`.
    public init(name: String, summary: String, argumentSchema: JSONValue, requiresApproval: Bool = false) {
        self.name = name
        self.summary = summary
        self.argumentSchema = argumentSchema
        self.requiresApproval = requiresApproval
    }

    /// `{"name", "description", "arguments", "requires_approval"}`, as the prompt and the API show it.
    public var json: JSONValue {
        [
            "name": .string(name), "description": .string(summary), "arguments": argumentSchema,
            "requires_approval": .bool(requiresApproval),
        ]
    }
}

/// The outcome of one tool call, recorded in the turn record and shown in the agent's next turn.
public struct ToolResult: Sendable, Equatable {
    /// The tool called.
    public var tool: String
    /// Whether it succeeded (`success`).
    public var isSuccess: Bool
    /// What it returned, for the agent (empty on failure); cut to the tool's cap when ``isTruncated``.
    public var output: String
    /// Why it failed, in words the agent is shown; `nil` on success.
    public var error: String?
    /// Whether ``output`` was cut to the tool's byte cap (`truncated`).
    public var isTruncated: Bool

    /// A result of `tool`.
    public init(tool: String, isSuccess: Bool, output: String = "", error: String? = nil, isTruncated: Bool = false) {
        self.tool = tool
        self.isSuccess = isSuccess
        self.output = output
        self.error = error
        self.isTruncated = isTruncated
    }

    /// A failed call of `tool`, because of `error`.
    public static func failure(_ tool: String, _ error: String) -> ToolResult {
        ToolResult(tool: tool, isSuccess: false, error: error)
    }

    /// A successful call of `tool` returning `output` (`truncated`: it was cut).
    public static func success(_ tool: String, _ output: String, truncated: Bool = false) -> ToolResult {
        ToolResult(tool: tool, isSuccess: true, output: output, isTruncated: truncated)
    }

    /// `{"tool", "success", "output", "error", "truncated"}`, as in turn records and the next prompt.
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
