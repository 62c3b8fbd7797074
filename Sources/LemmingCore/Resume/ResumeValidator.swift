import LemmingJSON

/// The one validator of `resume.json`, used by the engine, the CLI and (later) the API.
///
/// It reads the document field by field against ``ResumeSpec``; every problem becomes a
/// ``ValidationIssue`` naming the file, the field and the rule. Errors make the resume unusable
/// (the agent is disabled); warnings (unknown fields, unknown tool names) do not.
public struct ResumeValidator: Sendable {
    /// What the validator can check beyond the document itself.
    public struct Context: Sendable {
        /// The folder the resume lives in; `name` must equal it.
        public var folderName: String?
        /// The model registry's keys; `model.key` must be one of them.
        public var modelKeys: Set<String>?
        /// Tools that exist; other names in `permissions.tools` are warnings.
        public var knownTools: Set<String>?
        /// Agents that exist; other names in `permissions.read_outboxes` are warnings.
        public var knownAgents: Set<String>?

        /// A context; `nil` skips the check it would allow.
        public init(
            folderName: String? = nil,
            modelKeys: Set<String>? = nil,
            knownTools: Set<String>? = nil,
            knownAgents: Set<String>? = nil
        ) {
            self.folderName = folderName
            self.modelKeys = modelKeys
            self.knownTools = knownTools
            self.knownAgents = knownAgents
        }
    }

    /// The outcome: a resume when there is no error, and every issue found.
    public struct Result: Sendable {
        /// The resume, when no issue is an error; `nil` otherwise.
        public var resume: Resume?
        /// Every issue, errors and warnings, in document order.
        public var issues: [ValidationIssue]
        /// The issues that make the resume unusable.
        public var errors: [ValidationIssue] { issues.filter(\.isError) }
        /// The issues that do not (unknown fields, unknown tools or agents).
        public var warnings: [ValidationIssue] { issues.filter { !$0.isError } }
    }

    /// What is checked beyond the document.
    public var context: Context

    /// The starting balance when `credits.max_credits` is absent.
    static let defaultMaxCredits = 1000.0

    /// The largest resume file accepted, in bytes (256 KiB): a resume is copied into every prompt
    /// of its agent.
    public static let maxFileBytes = 256 * 1024

    /// The error of a `resume.json` that cannot be a resume whatever it holds: not a regular file
    /// (a folder), or larger than ``maxFileBytes``. Decided from the metadata, without reading it.
    ///
    /// - Returns: the issue, or `nil` when the file may be read and validated.
    package static func fileIssue(_ info: FileInfo, file: String) -> ValidationIssue? {
        if !info.isRegularFile {
            let what = info.isDirectory ? "a folder" : "not a regular file"
            return ValidationIssue(
                .error, file: file, field: "", rule: "file", message: "is \(what); a resume must be a JSON file")
        }
        if info.size > maxFileBytes { return tooLarge(size: info.size, file: file) }
        return nil
    }

    package static func tooLarge(size: Int, file: String) -> ValidationIssue {
        ValidationIssue(
            .error, file: file, field: "", rule: "max_size",
            message: "is \(size) bytes, more than the \(maxFileBytes) bytes (256 KiB) a resume may have")
    }

    /// A validator with `context` (default: the document alone).
    public init(context: Context = Context()) {
        self.context = context
    }

    /// Validates the bytes of a resume file (at most ``maxFileBytes``).
    ///
    /// - Parameters:
    ///   - bytes: the file's content (UTF-8 JSON).
    ///   - file: the path shown in issues, relative to the org.
    public func validate(bytes: [UInt8], file: String) -> Result {
        guard bytes.count <= Self.maxFileBytes else {
            return Result(resume: nil, issues: [Self.tooLarge(size: bytes.count, file: file)])
        }
        var collector = IssueCollector(file: file)
        guard let object = JSONFile.object(bytes, issues: &collector) else {
            return Result(resume: nil, issues: collector.issues)
        }
        return validate(object, file: file)
    }

    /// Validates a resume document.
    public func validate(_ document: JSONObject, file: String) -> Result {
        var collector = IssueCollector(file: file)
        var values: [String: JSONValue] = [:]
        check(document, at: [], into: &values, collector: &collector)
        crossCheck(values, collector: &collector)
        guard !collector.hasErrors else { return Result(resume: nil, issues: collector.issues) }
        return Result(resume: makeResume(values, document: document), issues: collector.issues)
    }

    // MARK: - Field checks

    private func check(
        _ object: JSONObject,
        at path: [String],
        into values: inout [String: JSONValue],
        collector: inout IssueCollector
    ) {
        let children = ResumeSpec.children(of: path)
        collector.warnUnknownKeys(
            object,
            known: Set(children.compactMap(\.path.last)),
            prefix: path.joined(separator: ".")
        )
        for field in children {
            guard let key = field.path.last else { continue }
            guard let value = object[key], !value.isNull else {
                if field.isRequired { collector.error(field.dottedPath, "required", "is required") }
                if field.kind == .object {
                    check(JSONObject(), at: field.path, into: &values, collector: &collector)
                }
                continue
            }
            if field.kind == .object {
                guard let child = value.objectValue else {
                    collector.error(field.dottedPath, "type", "must be an object (got \(value.typeDescription))")
                    continue
                }
                check(child, at: field.path, into: &values, collector: &collector)
            } else if let accepted = checkValue(value, field: field, collector: &collector) {
                values[field.dottedPath] = accepted
            }
        }
    }

    private func checkValue(_ value: JSONValue, field: ResumeSpec.Field, collector: inout IssueCollector) -> JSONValue?
    {
        let name = field.dottedPath
        func typeError() -> JSONValue? {
            collector.error(name, "type", "must be \(field.kind.noun) (got \(value.typeDescription))")
            return nil
        }
        switch field.kind {
        case .string:
            guard let text = value.stringValue else { return typeError() }
            let length = text.unicodeScalars.count
            if let minLength = field.minLength, length < minLength {
                collector.error(
                    name, "length", minLength == 1 ? "must not be empty" : "must have at least \(minLength) characters")
                return nil
            }
            if let maxLength = field.maxLength, length > maxLength {
                collector.error(name, "length", "must have at most \(maxLength) characters (got \(length))")
                return nil
            }
            if let pattern = field.pattern, !pattern.matches(text) {
                collector.error(name, "pattern", "must be \(pattern.explanation) (got '\(text.prefix(80))')")
                return nil
            }
            return value
        case .integer:
            guard let integer = value.intValue else { return typeError() }
            guard checkRange(Double(integer), field: field, collector: &collector) else { return nil }
            return .int(integer)
        case .number:
            guard let number = value.doubleValue else { return typeError() }
            guard checkRange(number, field: field, collector: &collector) else { return nil }
            return .double(number)
        case .boolean:
            guard value.boolValue != nil else { return typeError() }
            return value
        case .stringArray:
            guard let elements = value.arrayValue else { return typeError() }
            var strings: [String] = []
            for (position, element) in elements.enumerated() {
                guard let text = element.stringValue else {
                    collector.error("\(name)[\(position)]", "type", "must be a string (got \(element.typeDescription))")
                    return nil
                }
                if let pattern = field.itemPattern, !pattern.matches(text) {
                    collector.error(
                        "\(name)[\(position)]", "pattern", "must be \(pattern.explanation) (got '\(text.prefix(80))')")
                    return nil
                }
                strings.append(text)
            }
            return .strings(strings)
        case .object:
            return value
        }
    }

    private func checkRange(_ number: Double, field: ResumeSpec.Field, collector: inout IssueCollector) -> Bool {
        if let minimum = field.minimum, number < minimum {
            collector.error(field.dottedPath, "range", "must be ≥ \(format(minimum)) (got \(format(number)))")
            return false
        }
        if let maximum = field.maximum, number > maximum {
            collector.error(field.dottedPath, "range", "must be ≤ \(format(maximum)) (got \(format(number)))")
            return false
        }
        return true
    }

    private func format(_ number: Double) -> String {
        if let integer = Int(exactly: number) { return String(integer) }
        return String(number)
    }

    // MARK: - Rules across fields and files

    private func crossCheck(_ values: [String: JSONValue], collector: inout IssueCollector) {
        let name = values["name"]?.stringValue
        if let folder = context.folderName, let name, name != folder {
            collector.error("name", "folder_name", "must equal the folder name '\(folder)' (got '\(name)')")
        }
        if name == Names.human {
            collector.error("name", "reserved", "'human' is reserved for the person operating the org")
        }
        if let keys = context.modelKeys, let key = values["model.key"]?.stringValue, !keys.contains(key) {
            let known = keys.sorted().joined(separator: ", ")
            collector.error("model.key", "model_key", "'\(key)' is not a key of the model registry (known: \(known))")
        }
        let reads = values["permissions.read_outboxes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if reads.contains("*"), reads.count > 1 {
            collector.warning(
                "permissions.read_outboxes", "wildcard", "\"*\" already includes every agent; other names are redundant"
            )
        }
        for reader in reads where reader != "*" {
            if let name, reader == name {
                collector.warning(
                    "permissions.read_outboxes", "self", "an agent does not read its own outbox ('\(reader)')")
            } else if let known = context.knownAgents, reader != Names.human, !known.contains(reader) {
                collector.warning("permissions.read_outboxes", "unknown_agent", "no agent named '\(reader)' (yet)")
            }
        }
        if let knownTools = context.knownTools {
            let tools = values["permissions.tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for tool in tools where !ToolPattern.isKnown(tool, among: knownTools) {
                collector.warning("permissions.tools", "unknown_tool", "no tool named '\(tool)'")
            }
        }
        let maximum = values["credits.max_credits"]?.doubleValue ?? Self.defaultMaxCredits
        if let softCap = values["credits.soft_cap"]?.doubleValue, softCap > maximum {
            collector.warning("credits.soft_cap", "soft_cap", "is above max_credits, so the warning fires at once")
        }
    }

    private func makeResume(_ values: [String: JSONValue], document: JSONObject) -> Resume {
        func string(_ path: String) -> String? {
            values[path]?.stringValue ?? ResumeSpec.fields.first { $0.dottedPath == path }?.defaultValue?.stringValue
        }
        func strings(_ path: String) -> [String] {
            values[path]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        func bool(_ path: String, _ fallback: Bool) -> Bool { values[path]?.boolValue ?? fallback }
        let maxCredits = values["credits.max_credits"]?.doubleValue ?? Self.defaultMaxCredits
        return Resume(
            name: string("name") ?? "",
            title: string("title") ?? "",
            shortDescription: string("short_description") ?? "",
            workflowDescription: string("workflow_description") ?? "",
            instructions: string("instructions") ?? "",
            model: Resume.Model(
                key: string("model.key") ?? "",
                temperature: values["model.temperature"]?.doubleValue ?? 0.2,
                maxTokens: values["model.max_tokens"]?.intValue ?? 1024
            ),
            permissions: Resume.Permissions(
                readOutboxes: strings("permissions.read_outboxes"),
                tools: strings("permissions.tools"),
                createAgents: bool("permissions.create_agents", false)
            ),
            schedule: Schedule(
                runEveryNTicks: max(values["schedule.run_every_n_ticks"]?.intValue ?? 1, 1),
                phaseOffset: values["schedule.phase_offset"]?.intValue ?? 0,
                skipWhenIdle: bool("schedule.skip_when_idle", false)
            ),
            credits: Resume.Credits(
                maxCredits: maxCredits,
                softCap: values["credits.soft_cap"]?.doubleValue ?? maxCredits * 0.1
            ),
            isEnabled: bool("enabled", true),
            department: values["department"]?.stringValue,
            tags: strings("tags"),
            document: document
        )
    }
}
