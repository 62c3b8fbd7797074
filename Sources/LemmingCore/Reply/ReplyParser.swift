import LemmingJSON

/// Reads a model reply into a ``ParsedReply`` (DESIGN §5.4).
///
/// The reply is untrusted input. The parser finds the JSON object that is the reply even inside
/// prose, code fences, reasoning or drafts (`JSONLocator` states the rule: the last object with a
/// key of the contract), reads the defects of model JSON (trailing commas, comments, …), checks every
/// item on its own, keeps the valid ones and turns each defect into a ``ContractViolation``. It never
/// throws and never traps, and its cost is linear in the reply. Its rules, per field:
/// - a defect in an optional field of an entry (`kind`, `priority`, `reply_to`, `tags`, `meta`)
///   falls back to that field's default;
/// - an entry whose content or addressing is wrong (`payload`, `to`, size) is dropped;
/// - a string `payload`, or a `text` field instead of a payload, is wrapped as `{"text": ...}`;
/// - a tool call's `args` given as a JSON string holding an object is decoded; `arguments` for
///   `args`, `name` for `tool`, and OpenAI's `{"function": {"name", "arguments"}}` are read too;
/// - tool calls and memory updates with a bad name, key, operation or value are dropped;
/// - a value (`payload`, `meta`, `args`, memory `value`) nested deeper than
///   ``OrgConfig/ReplyLimits/maxValueDepth`` is refused (`too_deep`), so that whatever is accepted
///   can be stored and read back.
///
/// Repairs that keep the reply's meaning (`json_repaired`, `several_objects`, `payload_shape`,
/// `args_shape`, `tool_call_shape`) are violations too, marked ``ContractViolation/isMild``, so the
/// agent is told to write the contract's form.
public struct ReplyParser: Sendable {
    /// The caps on a reply (`limits` of `lemming.json`): size, counts per turn, value depth.
    public var limits: OrgConfig.ReplyLimits
    /// The longest `notes` kept; longer notes are cut.
    public var maxNotesCharacters = 4_000

    /// A parser enforcing `limits`.
    public init(limits: OrgConfig.ReplyLimits) {
        self.limits = limits
    }

    static let topLevelKeys: Set<String> = ["outbox_entries", "tool_calls", "memory_updates", "notes"]
    static let entryKeys: Set<String> = ["kind", "payload", "text", "to", "priority", "reply_to", "tags", "meta"]

    /// Parses a model's visible text.
    ///
    /// - Parameter text: the reply as the model wrote it (UTF-8, prose and fences allowed).
    /// - Returns: the valid parts and every violation; a reply over
    ///   ``OrgConfig/ReplyLimits/maxReplyBytes`` bytes, or with no JSON object, has no parts and one
    ///   violation. Never throws.
    public func parse(_ text: String) -> ParsedReply {
        var reply = ParsedReply()
        guard text.utf8.count <= limits.maxReplyBytes else {
            reply.violations.append(
                ContractViolation(
                    "reply_too_large", "the reply is \(text.utf8.count) bytes; the limit is \(limits.maxReplyBytes)"))
            return reply
        }
        guard !text.utf8.allSatisfy(Reasoning.isWhitespace) else {
            reply.violations.append(ContractViolation("not_json", "the reply is empty"))
            return reply
        }
        let object: JSONObject
        switch JSONLocator.locate(text) {
        case .object(let found, let details):
            object = found
            if !details.repairs.isEmpty {
                reply.violations.append(
                    ContractViolation(
                        "json_repaired",
                        "not strict JSON; read after repairing \(details.repairs.names.joined(separator: ", "))"))
            }
            if details.ignoredReplies > 0 {
                reply.violations.append(
                    ContractViolation(
                        "several_objects",
                        "the reply holds \(details.ignoredReplies + 1) reply objects; only the last was used"))
            }
        case .notObject(let value):
            reply.violations.append(
                ContractViolation("not_object", "the reply must be a JSON object (got \(value.typeDescription))"))
            return reply
        case .truncated:
            reply.violations.append(
                ContractViolation(
                    "truncated", "the reply ends inside its JSON object: it was cut off, so none of it was applied"))
            return reply
        case .notFound(let reason):
            reply.violations.append(ContractViolation("not_json", reason))
            return reply
        }
        for key in object.keys where !Self.topLevelKeys.contains(key) {
            reply.violations.append(ContractViolation("unknown_field", field: key, "ignored"))
        }
        if let items = list(object, "outbox_entries", reply: &reply) {
            for (position, item) in items.enumerated() {
                let field = "outbox_entries[\(position)]"
                guard reply.entries.count < limits.maxEntriesPerTurn else {
                    reply.violations.append(
                        ContractViolation(
                            "too_many_entries", field: field,
                            "at most \(limits.maxEntriesPerTurn) entries per turn; the rest are dropped"))
                    break
                }
                if let entry = parseEntry(item, field: field, violations: &reply.violations) {
                    reply.entries.append(entry)
                }
            }
        }
        if let items = list(object, "tool_calls", reply: &reply) {
            for (position, item) in items.enumerated() {
                let field = "tool_calls[\(position)]"
                guard reply.toolCalls.count < limits.maxToolCallsPerTurn else {
                    reply.violations.append(
                        ContractViolation(
                            "too_many_tool_calls", field: field,
                            "at most \(limits.maxToolCallsPerTurn) tool calls per turn; the rest are dropped"))
                    break
                }
                if let call = parseToolCall(item, field: field, violations: &reply.violations) {
                    reply.toolCalls.append(call)
                }
            }
        }
        if let items = list(object, "memory_updates", reply: &reply) {
            for (position, item) in items.enumerated() {
                let field = "memory_updates[\(position)]"
                guard reply.memoryUpdates.count < limits.maxMemoryUpdatesPerTurn else {
                    reply.violations.append(
                        ContractViolation(
                            "too_many_memory_updates", field: field,
                            "at most \(limits.maxMemoryUpdatesPerTurn) memory updates per turn; the rest are dropped"))
                    break
                }
                if let update = parseMemoryUpdate(item, field: field, violations: &reply.violations) {
                    reply.memoryUpdates.append(update)
                }
            }
        }
        if let notes = object["notes"], !notes.isNull {
            var text: String
            if let string = notes.stringValue {
                text = string
            } else {
                text = notes.compactText
                reply.violations.append(
                    ContractViolation(
                        "invalid_notes", field: "notes", "must be a string (got \(notes.typeDescription))"))
            }
            if text.count > maxNotesCharacters {
                text = String(text.prefix(maxNotesCharacters))
                reply.violations.append(
                    ContractViolation("notes_too_long", field: "notes", "cut to \(maxNotesCharacters) characters"))
            }
            reply.notes = text
        }
        return reply
    }

    private func list(_ object: JSONObject, _ key: String, reply: inout ParsedReply) -> [JSONValue]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let items = value.arrayValue else {
            reply.violations.append(
                ContractViolation("invalid_field", field: key, "must be an array (got \(value.typeDescription))"))
            return nil
        }
        return items
    }

    // MARK: - Entries

    private func parseEntry(_ item: JSONValue, field: String, violations: inout [ContractViolation]) -> DraftEntry? {
        guard let object = item.objectValue else {
            violations.append(
                ContractViolation("invalid_entry", field: field, "must be an object (got \(item.typeDescription))"))
            return nil
        }
        for key in object.keys where !Self.entryKeys.contains(key) {
            violations.append(ContractViolation("unknown_field", field: "\(field).\(key)", "ignored"))
        }
        var payload: JSONObject
        switch (object["payload"], object["text"]) {
        case (.object(let found)?, _):
            payload = found
            if object["text"] != nil {
                violations.append(
                    ContractViolation("payload_shape", field: "\(field).text", "ignored: the payload holds the text"))
            }
        case (.string(let text)?, _):
            payload = JSONObject([("text", .string(text))])
            violations.append(
                ContractViolation(
                    "payload_shape", field: "\(field).payload", "was a string; wrapped as {\"text\": ...}"))
        case (nil, .string(let text)?), (.null?, .string(let text)?):
            payload = JSONObject([("text", .string(text))])
            violations.append(ContractViolation("payload_shape", field: "\(field).text", "moved into payload.text"))
        case (let other?, _) where !other.isNull:
            violations.append(
                ContractViolation(
                    "invalid_entry", field: "\(field).payload",
                    "must be an object (got \(other.typeDescription)); entry dropped"))
            return nil
        default:
            violations.append(
                ContractViolation("invalid_entry", field: "\(field).payload", "is missing; entry dropped"))
            return nil
        }
        if let problem = tooDeep(.object(payload)) {
            violations.append(ContractViolation("too_deep", field: "\(field).payload", problem + "; entry dropped"))
            return nil
        }
        var entry = DraftEntry(payload: payload)
        if let kind = object["kind"], !kind.isNull {
            if let text = kind.stringValue, Names.isValidKind(text) {
                entry.kind = text
            } else {
                violations.append(
                    ContractViolation(
                        "invalid_kind", field: "\(field).kind",
                        "must be a lowercase word such as \"message\" (got \(kind.compactText.prefix(40))); used \"message\""
                    ))
            }
        }
        if let to = object["to"], !to.isNull {
            var names: [String]
            switch to {
            case .string(let name): names = [name]
            case .array(let items): names = items.compactMap(\.stringValue)
            default:
                violations.append(
                    ContractViolation(
                        "invalid_recipients", field: "\(field).to",
                        "must be an agent name or a list of names (got \(to.typeDescription)); entry dropped"))
                return nil
            }
            if case .array(let items) = to, names.count != items.count {
                violations.append(
                    ContractViolation(
                        "invalid_recipients", field: "\(field).to", "must list only strings; entry dropped"))
                return nil
            }
            if let bad = names.first(where: { !Names.isValidAgentName($0) }) {
                violations.append(
                    ContractViolation(
                        "invalid_recipients", field: "\(field).to",
                        "'\(bad.prefix(64))' is not an agent name; entry dropped"))
                return nil
            }
            if names.isEmpty {
                violations.append(
                    ContractViolation("invalid_recipients", field: "\(field).to", "is empty; entry dropped"))
                return nil
            }
            var unique: [String] = []
            for name in names where !unique.contains(name) { unique.append(name) }
            entry.recipients = unique
        }
        if let priority = object["priority"], !priority.isNull {
            if let text = priority.stringValue, let parsed = Priority(rawValue: text) {
                entry.priority = parsed
            } else {
                violations.append(
                    ContractViolation(
                        "invalid_priority", field: "\(field).priority", "must be urgent, normal or low; used normal"))
            }
        }
        if let replyTo = object["reply_to"], !replyTo.isNull {
            if let text = replyTo.stringValue, EntryID(text) != nil {
                entry.replyTo = text
            } else {
                violations.append(
                    ContractViolation("invalid_reply_to", field: "\(field).reply_to", "must be an entry id; ignored"))
            }
        }
        if let tags = object["tags"], !tags.isNull {
            let strings = tags.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty && $0.count <= 64 } ?? []
            if tags.arrayValue?.count != strings.count || strings.count > 16 {
                violations.append(
                    ContractViolation(
                        "invalid_tags", field: "\(field).tags",
                        "must be at most 16 strings of 1 to 64 characters; invalid ones dropped"))
            }
            entry.tags = Array(strings.prefix(16))
        }
        if let meta = object["meta"], !meta.isNull {
            if let found = meta.objectValue {
                if let problem = tooDeep(meta) {
                    violations.append(ContractViolation("too_deep", field: "\(field).meta", problem + "; ignored"))
                } else {
                    entry.meta = found
                }
            } else {
                violations.append(
                    ContractViolation("invalid_meta", field: "\(field).meta", "must be an object; ignored"))
            }
        }
        let size = JSONWriter(style: .compact).bytes(entry.json).count
        guard size <= limits.maxEntryBytes else {
            violations.append(
                ContractViolation(
                    "entry_too_large", field: field,
                    "is \(size) bytes; the limit is \(limits.maxEntryBytes); entry dropped"))
            return nil
        }
        return entry
    }
}
