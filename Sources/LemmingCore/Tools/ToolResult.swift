import LemmingJSON

/// A tool an agent may call, as the prompt describes it.
public struct ToolDescription: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// JSON Schema of the arguments.
    public var argumentSchema: JSONValue
    /// The call waits for the human's approval before it runs.
    public var requiresApproval: Bool

    public init(name: String, summary: String, argumentSchema: JSONValue, requiresApproval: Bool = false) {
        self.name = name
        self.summary = summary
        self.argumentSchema = argumentSchema
        self.requiresApproval = requiresApproval
    }

    public var json: JSONValue {
        [
            "name": .string(name), "description": .string(summary), "arguments": argumentSchema,
            "requires_approval": .bool(requiresApproval),
        ]
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

    public static func success(_ tool: String, _ output: String, truncated: Bool = false) -> ToolResult {
        ToolResult(tool: tool, isSuccess: true, output: output, isTruncated: truncated)
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
