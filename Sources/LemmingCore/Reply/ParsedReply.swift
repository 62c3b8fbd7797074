import LemmingJSON

/// A defect in a model reply. Recorded in the turn record and published as an event; never fatal.
public struct ContractViolation: Sendable, Equatable, CustomStringConvertible {
    /// A stable code (`not_json`, `invalid_entry`, `invalid_memory_key`, …).
    public var code: String
    /// Where in the reply (`outbox_entries[2].to`), empty for the whole reply.
    public var field: String
    /// What is wrong, in words the agent is shown next turn.
    public var message: String

    /// A violation with a stable `code`, at `field` of the reply (empty: the whole reply).
    public init(_ code: String, field: String = "", _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `code at field: message`, or `code: message` for the whole reply.
    public var description: String { field.isEmpty ? "\(code): \(message)" : "\(code) at \(field): \(message)" }

    /// The codes of repairs that kept the reply's meaning: the reply was read as meant, and the agent is
    /// told only so that it writes the contract's form next time.
    public static let mildCodes: Set<String> = [
        "json_repaired", "several_objects", "payload_shape", "args_shape", "tool_call_shape",
    ]

    /// Whether this is a repair that kept the reply's meaning (``mildCodes``).
    public var isMild: Bool { Self.mildCodes.contains(code) }

    /// `{"code", "field", "message"}`, as in a turn record's `violations`.
    public var json: JSONValue {
        ["code": .string(code), "field": .string(field), "message": .string(message)]
    }
}

/// An outbox entry as the model asked for it, before the engine gives it an id.
public struct DraftEntry: Sendable, Equatable {
    /// The entry's kind (`message`, `report`, `request`, …; an open set, DESIGN §4.2).
    public var kind: String
    /// The entry's content; `text` is the readable body by convention.
    public var payload: JSONObject
    /// `nil`: everyone who reads the author.
    public var recipients: [String]?
    /// Where the entry sorts in its readers' inboxes.
    public var priority: Priority
    /// The id of the entry this one answers (`reply_to`); `nil` when it starts a thread.
    public var replyTo: String?
    /// Free labels (`tags`), kept as given.
    public var tags: [String]
    /// Free metadata (`meta`), kept as given.
    public var meta: JSONObject

    /// A draft of kind `kind` (default `message`) to `recipients` (`nil`: everyone who reads the author).
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

    /// The draft in the reply contract's shape: `{"kind", "payload", "to", "priority", "reply_to", "tags", "meta"}`.
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
    /// The tool's name (`file_write`, `mcp.<server>.<tool>`, `a2a.<name>`).
    public var tool: String
    /// The call's arguments (`args`), checked against the tool's schema before it runs.
    public var arguments: JSONObject

    /// A call of `tool` with `arguments`.
    public init(tool: String, arguments: JSONObject = JSONObject()) {
        self.tool = tool
        self.arguments = arguments
    }

    /// `{"tool", "args"}`, the reply contract's shape.
    public var json: JSONValue { ["tool": .string(tool), "args": .object(arguments)] }
}

/// A memory change the model asked for.
public struct MemoryUpdate: Sendable, Equatable {
    /// The memory key, `^[a-zA-Z0-9_-]{1,128}$` (DESIGN §4.3; checked when applied).
    public var key: String
    /// What to do with ``value`` (`op`).
    public var operation: MemoryOperation
    /// The value to set, append or merge; ignored by `delete`.
    public var value: JSONValue

    /// An update of `key` by `operation` with `value`.
    public init(key: String, operation: MemoryOperation, value: JSONValue = .null) {
        self.key = key
        self.operation = operation
        self.value = value
    }

    /// `{"key", "op", "value"}`, the reply contract's shape.
    public var json: JSONValue { ["key": .string(key), "op": .string(operation.rawValue), "value": value] }
}

/// The valid parts of a reply and every defect found in it (DESIGN §5.4).
public struct ParsedReply: Sendable, Equatable {
    /// The valid `outbox_entries`, in the reply's order.
    public var entries: [DraftEntry] = []
    /// The valid `tool_calls`, in the reply's order.
    public var toolCalls: [ToolCall] = []
    /// The valid `memory_updates`, in the reply's order.
    public var memoryUpdates: [MemoryUpdate] = []
    /// The reply's `notes`, free text for the activity log (cut to ``ReplyParser/maxNotesCharacters``).
    public var notes: String?
    /// Every defect found, in the order found.
    public var violations: [ContractViolation] = []

    /// An empty reply: nothing asked, no violation.
    public init() {}

    /// Whether the reply asks for anything at all.
    public var hasActions: Bool { !entries.isEmpty || !toolCalls.isEmpty || !memoryUpdates.isEmpty }

    /// Whether the text ended inside the reply's JSON object (a `truncated` violation): the reply was
    /// cut off, whatever the provider said about why it stopped, and nothing in it is usable.
    public var isTruncated: Bool { violations.contains { $0.code == "truncated" } }

    /// The valid parts as `{"outbox_entries", "tool_calls", "memory_updates", "notes"}` (violations left out).
    public var json: JSONValue {
        var object = JSONObject()
        object["outbox_entries"] = .array(entries.map(\.json))
        object["tool_calls"] = .array(toolCalls.map(\.json))
        object["memory_updates"] = .array(memoryUpdates.map(\.json))
        object["notes"] = .optional(notes)
        return .object(object)
    }
}
