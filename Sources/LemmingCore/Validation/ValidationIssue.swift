import LemmingJSON

/// One finding of a validator: the file, the field, the rule it breaks and a message.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// How serious an issue is (the raw values are the wire names).
    public enum Severity: String, Sendable, Hashable {
        /// The file (or the agent it defines) cannot be used.
        case error
        /// Worth fixing, but the file is usable (unknown fields, unknown tool names).
        case warning
    }

    /// Whether it makes the file unusable.
    public var severity: Severity
    /// The file, relative to the org root (`agents/coder/resume.json`).
    public var file: String
    /// The dotted field path (`schedule.run_every_n_ticks`), empty for the whole file.
    public var field: String
    /// A short, stable name of the rule (`required`, `type`, `range`, `pattern`, `unknown_field`).
    public var rule: String
    /// What is wrong, in words a user can act on (`must be an integer ≥ 1 (got 0)`).
    public var message: String

    /// An issue of `file` at `field` (dotted; empty for the whole file) breaking `rule`.
    public init(_ severity: Severity, file: String, field: String, rule: String, message: String) {
        self.severity = severity
        self.file = file
        self.field = field
        self.rule = rule
        self.message = message
    }

    /// Whether it is an error.
    public var isError: Bool { severity == .error }

    /// `agents/coder/resume.json: schedule.run_every_n_ticks: must be an integer ≥ 1 (got 0)`.
    public var description: String {
        field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)"
    }

    /// `{"severity", "file", "field", "rule", "message"}`, as `lemming validate --json` and the API show it.
    public var json: JSONValue {
        [
            "severity": .string(severity.rawValue), "file": .string(file), "field": .string(field),
            "rule": .string(rule), "message": .string(message),
        ]
    }
}

/// Collects issues for one file while a document is read field by field.
public struct IssueCollector: Sendable {
    /// The file the issues are about, relative to the org.
    public let file: String
    /// The issues recorded, in order.
    public private(set) var issues: [ValidationIssue] = []

    /// A collector for `file` (relative to the org).
    public init(file: String) {
        self.file = file
    }

    /// Whether any issue recorded is an error.
    public var hasErrors: Bool { issues.contains { $0.isError } }

    /// Records an error at `field` (dotted) breaking `rule`.
    public mutating func error(_ field: String, _ rule: String, _ message: String) {
        issues.append(ValidationIssue(.error, file: file, field: field, rule: rule, message: message))
    }

    /// Records a warning at `field` (dotted) breaking `rule`.
    public mutating func warning(_ field: String, _ rule: String, _ message: String) {
        issues.append(ValidationIssue(.warning, file: file, field: field, rule: rule, message: message))
    }

    /// Records issues found elsewhere, as they are.
    public mutating func append(contentsOf other: [ValidationIssue]) {
        issues.append(contentsOf: other)
    }

    /// Reports every key of `object` that is not in `known` as an unknown field (a warning).
    public mutating func warnUnknownKeys(_ object: JSONObject, known: Set<String>, prefix: String) {
        for key in object.keys where !known.contains(key) {
            warning(prefix.isEmpty ? key : prefix + "." + key, "unknown_field", "unknown field (kept, but not used)")
        }
    }
}

/// Parses a JSON file into an object, or records why it cannot be.
public enum JSONFile {
    /// The object in `bytes`, or `nil` with an error recorded in `issues`.
    public static func object(_ bytes: [UInt8], issues: inout IssueCollector) -> JSONObject? {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            issues.error("", "json", "not valid JSON (\(error))")
            return nil
        }
        guard let object = value.objectValue else {
            issues.error("", "type", "must be a JSON object (got \(value.typeDescription))")
            return nil
        }
        return object
    }
}
