import LemmingJSON

/// An agent's contract, read from `agents/<name>/resume.json` (DESIGN §4.1).
///
/// Only ``ResumeValidator`` creates resumes, so every instance is valid. The original document is
/// kept in ``document`` so that unknown fields survive a round trip.
public struct Resume: Sendable, Equatable {
    /// The `model` section: which registry entry the agent calls, and how.
    public struct Model: Sendable, Equatable {
        /// The registry key (`model.key`), a key of `models.json` or a built-in one.
        public var key: String
        /// Sampling temperature sent to the provider (`model.temperature`, 0…2; default 0.2).
        public var temperature: Double
        /// The most output tokens a reply may have (`model.max_tokens`, ≥ 1; default 1024); also the worst case
        /// reserved before a call.
        public var maxTokens: Int
    }

    /// The `permissions` section: what the agent may read and do (DESIGN §2.2, §2.4).
    public struct Permissions: Sendable, Equatable {
        /// Names as written, `"*"` included.
        public var readOutboxes: [String]
        /// Tools the agent may call (`permissions.tools`): names or namespace wildcards (`mcp.github.*`).
        public var tools: [String]
        /// Whether it may call `create_agent` (`permissions.create_agents`; default false).
        public var createAgents: Bool

        /// Whether the list contains `"*"` (every agent but this one, `human` included).
        public var readsEveryone: Bool { readOutboxes.contains("*") }
    }

    /// The `credits` section: the agent's budget, in credits (DESIGN §4.4).
    public struct Credits: Sendable, Equatable {
        /// The starting balance (`credits.max_credits`, ≥ 0; default 1000).
        public var maxCredits: Double
        /// The remaining balance under which one warning is given (`credits.soft_cap`; default 10% of ``maxCredits``).
        public var softCap: Double
    }

    /// The agent's name (`^[a-z][a-z0-9_]{0,63}$`), equal to its folder's name.
    public var name: String
    /// Its role in a few words (`title`), shown in the prompt and the dashboard.
    public var title: String
    /// What it does, 1…200 characters (`short_description`), shown to agents that read it.
    public var shortDescription: String
    /// How it works with others (`workflow_description`); may be empty.
    public var workflowDescription: String
    /// The role's instructions (`instructions`), rendered into every prompt of the agent.
    public var instructions: String
    /// The model it calls.
    public var model: Model
    /// What it may read and do.
    public var permissions: Permissions
    /// When it fires (DESIGN §2.3).
    public var schedule: Schedule
    /// Its budget.
    public var credits: Credits
    /// `enabled`: false means it never fires (default true).
    public var isEnabled: Bool
    /// The `department` it belongs to; informational.
    public var department: String?
    /// Free `tags`; informational.
    public var tags: [String]
    /// The document as read, unknown fields included.
    public var document: JSONObject
}
