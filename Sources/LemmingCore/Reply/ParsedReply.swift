import LemmingJSON

/// A defect in a model reply. Recorded in the turn record and published as an event; never fatal.
public struct ContractViolation: Sendable, Equatable, CustomStringConvertible {
    /// A stable code (`not_json`, `invalid_entry`, `invalid_memory_key`, …).
    public var code: String
    /// Where in the reply (`outbox_entries[2].to`), empty for the whole reply.
    public var field: String
    public var message: String

    public init(_ code: String, field: String = "", _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? "\(code): \(message)" : "\(code) at \(field): \(message)" }

    /// The codes of repairs that kept the reply's meaning: the reply was read as meant, and the agent is
    /// told only so that it writes the contract's form next time.
    public static let mildCodes: Set<String> = [
        "json_repaired", "several_objects", "payload_shape", "args_shape", "tool_call_shape",
    ]

    /// Whether this is a repair that kept the reply's meaning (``mildCodes``).
    public var isMild: Bool { Self.mildCodes.contains(code) }

    public var json: JSONValue {
        ["code": .string(code), "field": .string(field), "message": .string(message)]
    }
}

/// An outbox entry as the model asked for it, before the engine gives it an id.
public struct DraftEntry: Sendable, Equatable {
    public var kind: String
    public var payload: JSONObject
    /// `nil`: everyone who reads the author.
    public var recipients: [String]?
    public var priority: Priority
    public var replyTo: String?
    public var tags: [String]
    public var meta: JSONObject

    public init(
        kind: String = "message",
        payload: JSONObject,
        recipients: [String]? = nil,
        priority: Priority = .normal,
        replyTo: String? = nil,
        tags: [String] = [],
        meta: JSONObject = JSONObject()
    ) {
        self.kind = kind
        self.payload = payload
        self.recipients = recipients
        self.priority = priority
        self.replyTo = replyTo
        self.tags = tags
        self.meta = meta
    }

    /// The human-readable body: `payload.text` when it is a string, else the payload as JSON.
    public var text: String {
        if let text = payload["text"]?.stringValue { return text }
        return JSONValue.object(payload).compactText
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["kind"] = .string(kind)
        object["payload"] = .object(payload)
        object["to"] = recipients.map(JSONValue.strings) ?? .null
        object["priority"] = .string(priority.rawValue)
        object["reply_to"] = .optional(replyTo)
        object["tags"] = .strings(tags)
        object["meta"] = .object(meta)
        return .object(object)
    }
}

/// A tool call the model asked for.
public struct ToolCall: Sendable, Equatable {
    public var tool: String
    public var arguments: JSONObject

    public init(tool: String, arguments: JSONObject = JSONObject()) {
        self.tool = tool
        self.arguments = arguments
    }

    public var json: JSONValue { ["tool": .string(tool), "args": .object(arguments)] }
}

/// A memory change the model asked for.
public struct MemoryUpdate: Sendable, Equatable {
    public var key: String
    public var operation: MemoryOperation
    public var value: JSONValue

    public init(key: String, operation: MemoryOperation, value: JSONValue = .null) {
        self.key = key
        self.operation = operation
        self.value = value
    }

    public var json: JSONValue { ["key": .string(key), "op": .string(operation.rawValue), "value": value] }
}

/// The valid parts of a reply and every defect found in it (DESIGN §5.4).
public struct ParsedReply: Sendable, Equatable {
    public var entries: [DraftEntry] = []
    public var toolCalls: [ToolCall] = []
    public var memoryUpdates: [MemoryUpdate] = []
    public var notes: String?
    public var violations: [ContractViolation] = []

    public init() {}

    /// Whether the reply asks for anything at all.
    public var hasActions: Bool { !entries.isEmpty || !toolCalls.isEmpty || !memoryUpdates.isEmpty }

    /// Whether the text ended inside the reply's JSON object (a `truncated` violation): the reply was
    /// cut off, whatever the provider said about why it stopped, and nothing in it is usable.
    public var isTruncated: Bool { violations.contains { $0.code == "truncated" } }

    public var json: JSONValue {
        var object = JSONObject()
        object["outbox_entries"] = .array(entries.map(\.json))
        object["tool_calls"] = .array(toolCalls.map(\.json))
        object["memory_updates"] = .array(memoryUpdates.map(\.json))
        object["notes"] = .optional(notes)
        return .object(object)
    }
}
