import LemmingJSON

/// One message of a chat request.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system
        case user
        case assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public var json: JSONValue { ["role": .string(role.rawValue), "content": .string(content)] }
}
