import LemmingJSON

/// A message between a client and an agent (`Message` of `a2a.proto`, A2A v1.0 §4.1.4).
///
/// Named `A2AMessage` so that it is never mistaken for another protocol's message in files that
/// import several.
public struct A2AMessage: Sendable, Equatable {
    public var messageID: String
    public var role: Role
    public var parts: [Part]
    public var contextID: String?
    public var taskID: String?
    public var metadata: JSONObject?

    public init(
        messageID: String, role: Role, parts: [Part], contextID: String? = nil, taskID: String? = nil,
        metadata: JSONObject? = nil
    ) {
        self.messageID = messageID
        self.role = role
        self.parts = parts
        self.contextID = contextID
        self.taskID = taskID
        self.metadata = metadata
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "messageId": .string(messageID), "role": .string(role.rawValue), "parts": .array(parts.map(\.json)),
        ]
        if let contextID { object["contextId"] = .string(contextID) }
        if let taskID { object["taskId"] = .string(taskID) }
        if let metadata { object["metadata"] = .object(metadata) }
        return .object(object)
    }

    /// Reads a message.
    ///
    /// - Throws: ``JSONRPCError`` invalid params naming what is wrong (no `messageId`, no parts, a
    ///   part that holds nothing).
    public init(json value: JSONValue) throws(JSONRPCError) {
        guard let object = value.objectValue else { throw .invalidParams("message must be an object") }
        guard let messageID = object["messageId"]?.stringValue, !messageID.isEmpty else {
            throw .invalidParams("message.messageId is required")
        }
        let roleText = object["role"]?.stringValue ?? ""
        guard let role = Role(rawValue: roleText) else {
            throw .invalidParams("message.role must be ROLE_USER or ROLE_AGENT")
        }
        guard let elements = object["parts"]?.arrayValue, !elements.isEmpty else {
            throw .invalidParams("message.parts must list at least one part")
        }
        var parts: [Part] = []
        for (position, element) in elements.enumerated() {
            guard let part = Part(json: element) else {
                throw .invalidParams("message.parts[\(position)] must hold text, data, url or raw")
            }
            parts.append(part)
        }
        self.init(
            messageID: messageID, role: role, parts: parts, contextID: Self.nonEmpty(object["contextId"]),
            taskID: Self.nonEmpty(object["taskId"]), metadata: object["metadata"]?.objectValue)
    }

    private static func nonEmpty(_ value: JSONValue?) -> String? {
        value?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }
}
