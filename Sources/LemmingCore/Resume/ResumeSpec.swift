import LemmingJSON

/// The fields of `resume.json` (DESIGN §4.1), as data.
///
/// The validator and the JSON Schema printed by `lemming schema resume` are both derived from this
/// one table, so they cannot disagree.
public enum ResumeSpec {
    /// A constraint on strings, checked by code and published as a regular expression.
    public enum Pattern: Sendable {
        /// An agent name: `^[a-z][a-z0-9_]{0,63}$`.
        case agentName
        /// An agent name or `*` (in `permissions.read_outboxes`).
        case agentNameOrWildcard
        /// A tool name: a lowercase letter, then up to 199 letters, digits, `_`, `.` or `-`.
        case toolName
        /// A tool name, or a namespace wildcard (`mcp.github.*`, ``ToolPattern``).
        case toolPattern

        /// The constraint as a regular expression, for the published JSON Schema.
        public var regex: String {
            switch self {
            case .agentName: return "^[a-z][a-z0-9_]{0,63}$"
            case .agentNameOrWildcard: return "^(\\*|[a-z][a-z0-9_]{0,63})$"
            case .toolName: return "^[a-z][A-Za-z0-9_.-]{0,199}$"
            case .toolPattern: return "^[a-z][A-Za-z0-9_.-]{0,199}(\\.\\*)?$"
            }
        }

        /// Whether `text` meets the constraint (checked by code, not by the regular expression).
        public func matches(_ text: String) -> Bool {
            switch self {
            case .agentName: return Names.isValidAgentName(text)
            case .agentNameOrWildcard: return text == "*" || Names.isValidAgentName(text)
            case .toolName:
                // Lowercase first; MCP servers' tool names may have capitals (`mcp.github.createIssue`).
                let bytes = text.utf8
                guard let first = bytes.first, bytes.count <= 200, first >= 0x61, first <= 0x7A else { return false }
                return bytes.allSatisfy {
                    ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39)
                        || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D
                }
            case .toolPattern:
                return Self.toolName.matches(ToolPattern.namespace(ofWildcard: text) ?? text)
            }
        }

        /// The constraint in words, for error messages.
        public var explanation: String {
            switch self {
            case .agentName: return "lowercase letters, digits and '_', starting with a letter, at most 64 characters"
            case .agentNameOrWildcard: return "\"*\" or an agent name (lowercase letters, digits, '_')"
            case .toolName: return "a tool name (letters, digits, '_', '.', '-', starting with a lowercase letter)"
            case .toolPattern: return "a tool name, or a namespace ending in .* (mcp.<server>.*)"
            }
        }
    }

    /// The JSON type of a field.
    public enum Kind: Sendable {
        /// A JSON string.
        case string
        /// A JSON number without a fraction.
        case integer
        /// Any JSON number.
        case number
        /// `true` or `false`.
        case boolean
        /// An array of strings.
        case stringArray
        /// A JSON object (a section such as `model`).
        case object

        var schemaType: String {
            switch self {
            case .string: return "string"
            case .integer: return "integer"
            case .number: return "number"
            case .boolean: return "boolean"
            case .stringArray: return "array"
            case .object: return "object"
            }
        }

        var noun: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .number: return "a number"
            case .boolean: return "a boolean"
            case .stringArray: return "an array of strings"
            case .object: return "an object"
            }
        }
    }

    /// One field of the resume.
    public struct Field: Sendable {
        /// Its keys from the document's root (`["model", "key"]`).
        public var path: [String]
        /// Its JSON type.
        public var kind: Kind
        /// Whether the resume must have it.
        public var isRequired = false
        /// What it means, in words (the schema's `description`).
        public var description: String
        /// Its value when absent; `nil` when it has none.
        public var defaultValue: JSONValue?
        /// The fewest characters of a string; `nil`: no bound.
        public var minLength: Int?
        /// The most characters of a string; `nil`: no bound.
        public var maxLength: Int?
        /// The constraint on a string's value.
        public var pattern: Pattern?
        /// The constraint on each item of a string array.
        public var itemPattern: Pattern?
        /// The smallest number allowed; `nil`: no bound.
        public var minimum: Double?
        /// The largest number allowed; `nil`: no bound.
        public var maximum: Double?

        /// The field's path as written in messages (`model.key`).
        public var dottedPath: String { path.joined(separator: ".") }
    }

    /// Every field, parents before children.
    public static let fields: [Field] = [
        Field(
            path: ["name"], kind: .string, isRequired: true, description: "The agent's name; equals its folder name.",
            pattern: .agentName),
        Field(
            path: ["title"], kind: .string, isRequired: true, description: "The agent's role, in a few words.",
            minLength: 1),
        Field(
            path: ["short_description"], kind: .string, isRequired: true,
            description: "One sentence shown to other agents and in listings.", minLength: 1, maxLength: 200),
        Field(
            path: ["workflow_description"], kind: .string, description: "How the agent works with others.",
            defaultValue: ""),
        Field(
            path: ["instructions"], kind: .string, isRequired: true, description: "The agent's instructions.",
            minLength: 1),
        Field(path: ["model"], kind: .object, isRequired: true, description: "Which model runs the agent."),
        Field(
            path: ["model", "key"], kind: .string, isRequired: true, description: "A key of the model registry.",
            minLength: 1),
        Field(
            path: ["model", "temperature"], kind: .number, description: "Sampling temperature.",
            defaultValue: .double(0.2), minimum: 0, maximum: 2),
        Field(
            path: ["model", "max_tokens"], kind: .integer,
            description: "Maximum tokens of a reply; sent to the provider.",
            defaultValue: .int(1024), minimum: 1, maximum: 1_000_000),
        Field(path: ["permissions"], kind: .object, description: "What the agent may read and use."),
        Field(
            path: ["permissions", "read_outboxes"], kind: .stringArray,
            description: "Agents whose outboxes this agent reads; \"*\" reads everyone.", defaultValue: [],
            itemPattern: .agentNameOrWildcard),
        Field(
            path: ["permissions", "tools"], kind: .stringArray, description: "Tools the agent may call.",
            defaultValue: [], itemPattern: .toolPattern),
        Field(
            path: ["permissions", "create_agents"], kind: .boolean,
            description: "May use the create_agent tool.", defaultValue: false),
        Field(path: ["schedule"], kind: .object, isRequired: true, description: "When the agent runs."),
        Field(
            path: ["schedule", "run_every_n_ticks"], kind: .integer, isRequired: true,
            description: "The agent fires every N ticks.", minimum: 1),
        Field(
            path: ["schedule", "phase_offset"], kind: .integer,
            description: "Fires at ticks t with t mod N == phase_offset mod N.", defaultValue: 0),
        Field(
            path: ["schedule", "skip_when_idle"], kind: .boolean,
            description: "Skip the model call (stop reason no_new_input) when the inbox has nothing new.",
            defaultValue: false),
        Field(path: ["credits"], kind: .object, description: "The agent's budget."),
        Field(
            path: ["credits", "max_credits"], kind: .number, description: "The starting balance.",
            defaultValue: .double(1000), minimum: 0),
        Field(
            path: ["credits", "soft_cap"], kind: .number,
            description: "A warning is raised once when the balance falls below it (default: 10% of max_credits).",
            minimum: 0),
        Field(path: ["enabled"], kind: .boolean, description: "false: the agent never fires.", defaultValue: true),
        Field(path: ["department"], kind: .string, description: "Informational."),
        Field(path: ["tags"], kind: .stringArray, description: "Informational.", defaultValue: []),
    ]

    /// The child fields of the object at `path` (the top level for `[]`).
    static func children(of path: [String]) -> [Field] {
        fields.filter { $0.path.count == path.count + 1 && Array($0.path.dropLast()) == path }
    }
}
