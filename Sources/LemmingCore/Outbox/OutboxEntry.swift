import LemmingJSON

/// How urgently an entry should be read; urgent entries come first in a reader's inbox.
public enum Priority: String, Sendable, CaseIterable {
    /// Read before everything else.
    case urgent
    /// The default.
    case normal
    /// Read after everything else.
    case low

    /// Sort rank: urgent 0, normal 1, low 2.
    public var rank: Int {
        switch self {
        case .urgent: return 0
        case .normal: return 1
        case .low: return 2
        }
    }
}

/// One published message: `agents/<author>/outbox/<id>.json`, immutable once written (DESIGN §4.2).
public struct OutboxEntry: Sendable, Equatable {
    /// The entry's id, unique in the org forever; also its file name (`<id>.json`).
    public var id: EntryID
    /// `message`, `report`, `request`, `response`, `status`, `error`, `approval_request`, `approval`, … (an open set;
    /// unknown kinds are kept).
    public var kind: String
    /// The content; `text` is the readable body by convention.
    public var payload: JSONObject
    /// Free labels the author gave (`tags`), kept as given.
    public var tags: [String]
    /// `nil`: everyone who may read the author; a list: only those among them.
    public var recipients: [String]?
    /// Where it sorts in its readers' inboxes.
    public var priority: Priority
    /// The id of the entry it answers (`reply_to`); `nil` when it answers none.
    public var replyTo: String?
    /// The id of the first entry of the chain (this entry's own id when it starts one).
    public var thread: String
    /// When it was written: ISO 8601 UTC with milliseconds (`created_at`, ``Timestamp``).
    public var createdAt: String
    /// Free metadata (`meta`), kept as given; the engine's own entries put their details here.
    public var meta: JSONObject
    /// Keys this version does not know, kept on read and write.
    public var extra: JSONObject

    /// An entry; `thread` defaults to the entry's own id (it starts a chain).
    public init(
        id: EntryID,
        kind: String,
        payload: JSONObject,
        tags: [String] = [],
        recipients: [String]? = nil,
        priority: Priority = .normal,
        replyTo: String? = nil,
        thread: String? = nil,
        createdAt: String,
        meta: JSONObject = JSONObject(),
        extra: JSONObject = JSONObject()
    ) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.tags = tags
        self.recipients = recipients
        self.priority = priority
        self.replyTo = replyTo
        self.thread = thread ?? id.text
        self.createdAt = createdAt
        self.meta = meta
        self.extra = extra
    }

    /// The tick it was written in.
    public var tick: Int { id.tick }
    /// The agent whose outbox holds it.
    public var author: String { id.agent }

    /// The human-readable body: `payload.text` when it is a string, else the payload as JSON.
    public var text: String {
        if let text = payload["text"]?.stringValue { return text }
        return JSONValue.object(payload).compactText
    }

    /// Whether `reader` is among the recipients (always, when the entry has none).
    public func isAddressed(to reader: String) -> Bool {
        recipients?.contains(reader) ?? true
    }

    static let knownKeys: Set<String> = [
        "id", "tick", "agent", "kind", "payload", "tags", "recipients", "priority", "reply_to", "thread",
        "created_at", "meta",
    ]

    /// The document written to disk, keys in the documented order.
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id.text)
        object["tick"] = .int(id.tick)
        object["agent"] = .string(id.agent)
        object["kind"] = .string(kind)
        object["payload"] = .object(payload)
        object["tags"] = .strings(tags)
        object["recipients"] = recipients.map(JSONValue.strings) ?? .null
        object["priority"] = .string(priority.rawValue)
        object["reply_to"] = .optional(replyTo)
        object["thread"] = .string(thread)
        object["created_at"] = .string(createdAt)
        object["meta"] = .object(meta)
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    /// Reads an entry file's document.
    ///
    /// - Throws: ``LemmingError`` (`.invalidFile`) naming the field that is wrong.
    public init(json value: JSONValue, file: String) throws {
        func invalid(_ field: String, _ message: String) -> LemmingError {
            LemmingError(.invalidFile, message, path: file, field: field)
        }
        guard let object = value.objectValue else { throw invalid("", "must be a JSON object") }
        guard let idText = object["id"]?.stringValue, let id = EntryID(idText) else {
            throw invalid("id", "must be an entry id such as 00000042-manager-01")
        }
        if let tick = object["tick"], tick.intValue != id.tick { throw invalid("tick", "does not match the id") }
        if let agent = object["agent"], agent.stringValue != id.agent {
            throw invalid("agent", "does not match the id")
        }
        guard let kind = object["kind"]?.stringValue else { throw invalid("kind", "must be a string") }
        guard let payload = object["payload"]?.objectValue else { throw invalid("payload", "must be an object") }
        var tags: [String] = []
        if let tagValues = object["tags"], !tagValues.isNull {
            guard let list = tagValues.arrayValue else { throw invalid("tags", "must be an array of strings") }
            tags = list.compactMap(\.stringValue)
        }
        var recipients: [String]?
        if let value = object["recipients"], !value.isNull {
            guard let list = value.arrayValue else { throw invalid("recipients", "must be null or an array") }
            recipients = list.compactMap(\.stringValue)
        }
        let priority = object["priority"]?.stringValue.flatMap(Priority.init(rawValue:)) ?? .normal
        self.init(
            id: id,
            kind: kind,
            payload: payload,
            tags: tags,
            recipients: recipients,
            priority: priority,
            replyTo: object["reply_to"]?.stringValue,
            thread: object["thread"]?.stringValue,
            createdAt: object["created_at"]?.stringValue ?? "",
            meta: object["meta"]?.objectValue ?? JSONObject(),
            extra: object.removing(Self.knownKeys)
        )
    }

    /// The pretty-printed file content.
    public var fileBytes: [UInt8] { JSONWriter(style: .pretty).bytes(json) }
}
