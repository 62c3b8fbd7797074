import LemmingJSON

/// A tool call waiting for the human: the `approval_request` entry posted for it, and the call.
public struct PendingApproval: Sendable, Equatable {
    /// The id of the `approval_request` entry; the human's `approval` entry replies to it.
    public var requestID: String
    /// The call that runs once approved.
    public var call: ToolCall
    /// The tick the call was made in (it expires `tools.approval_timeout_ticks` later).
    public var tick: Int

    /// A call made in `tick` that waits on the entry `requestID`.
    public init(requestID: String, call: ToolCall, tick: Int) {
        self.requestID = requestID
        self.call = call
        self.tick = tick
    }

    /// `{"request_id", "tool", "args", "tick"}`, as in `state/agents.json`.
    public var json: JSONValue {
        [
            "request_id": .string(requestID), "tool": .string(call.tool), "args": .object(call.arguments),
            "tick": .int(tick),
        ]
    }

    init?(json value: JSONValue) {
        guard let id = value["request_id"]?.stringValue, let tool = value["tool"]?.stringValue,
            let tick = value["tick"]?.intValue
        else { return nil }
        self.init(
            requestID: id, call: ToolCall(tool: tool, arguments: value["args"]?.objectValue ?? JSONObject()), tick: tick
        )
    }
}
