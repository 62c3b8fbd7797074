import LemmingJSON

/// An agent's contract, read from `agents/<name>/resume.json` (DESIGN §4.1).
///
/// Only ``ResumeValidator`` creates resumes, so every instance is valid. The original document is
/// kept in ``document`` so that unknown fields survive a round trip.
public struct Resume: Sendable, Equatable {
    public struct Model: Sendable, Equatable {
        public var key: String
        public var temperature: Double
        public var maxTokens: Int
    }

    public struct Permissions: Sendable, Equatable {
        /// Names as written, `"*"` included.
        public var readOutboxes: [String]
        public var tools: [String]
        public var createAgents: Bool

        /// Whether the list contains `"*"` (every agent but this one, `human` included).
        public var readsEveryone: Bool { readOutboxes.contains("*") }
    }

    public struct Credits: Sendable, Equatable {
        public var maxCredits: Double
        public var softCap: Double
    }

    public var name: String
    public var title: String
    public var shortDescription: String
    public var workflowDescription: String
    public var instructions: String
    public var model: Model
    public var permissions: Permissions
    public var schedule: Schedule
    public var credits: Credits
    public var isEnabled: Bool
    public var department: String?
    public var tags: [String]
    /// The document as read, unknown fields included.
    public var document: JSONObject
}
