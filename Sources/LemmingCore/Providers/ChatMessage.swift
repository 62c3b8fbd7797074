import LemmingJSON

/// One message of a chat request.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks a message (the raw values are the chat APIs' role names).
    public enum Role: String, Sendable {
        /// The engine's contract and the agent's role: the stable part of the prompt.
        case system
        /// What changes every turn: the tick, problems, tool results, new messages.
        case user
        /// The model's own earlier words (unused by the engine's prompts; for providers and tests).
        case assistant
    }

    /// Who speaks.
    public var role: Role
    /// The message's text (Markdown-like plain text, as ``PromptBuilder`` renders it).
    public var content: String

    /// A message of `role` saying `content`.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    /// `{"role", "content"}`, as in a turn record's request.
    public var json: JSONValue { ["role": .string(role.rawValue), "content": .string(content)] }
}
