import LemmingCore
import LemmingJSON

/// Creating an agent folder, or replacing a resume, from outside the engine (`lemming agent new`,
/// the API): the document is checked by the one resume validator before anything is written, and
/// the engine picks the change up at its next tick.
public enum AgentDraft {
    /// The resume of `templates/worker/resume.json` in a new org, and the minimal resume when an org
    /// has no template.
    public static let workerResume: JSONValue = [
        "name": "worker",
        "title": "Worker",
        "short_description": "Does the tasks the manager addresses to it and reports back.",
        "instructions": "Do the tasks the manager gives you and report the result to the manager.",
        "model": ["key": "sim"],
        "permissions": ["read_outboxes": ["manager"], "tools": ["file_read", "file_list"]],
        "schedule": ["run_every_n_ticks": 1],
    ]

    /// A resume for a new agent: from `templates/<template>/resume.json` (default `worker` when the
    /// org has it, else the minimal resume), with the given fields set.
    ///
    /// - Returns: the document and where it came from (`template 'worker'`, `a minimal resume`).
    /// - Throws: ``LemmingError`` `.invalidArgument` for a template name that is not one (it would
    ///   name a path: `../x`), `.notFound` for a template that does not exist, `.invalidFile` for a
    ///   template that is not a JSON object.
    public static func resume(
        name: String, template: String?, title: String?, model: String?, reads: [String], view: OrgView
    ) throws -> (JSONObject, source: String) {
        var (resume, source) = try base(template: template, view: view)
        resume["name"] = .string(name)
        if let title { resume["title"] = .string(title) }
        if let model {
            var settings = resume["model"]?.objectValue ?? JSONObject()
            settings["key"] = .string(model)
            resume["model"] = .object(settings)
        }
        if !reads.isEmpty {
            var permissions = resume["permissions"]?.objectValue ?? JSONObject()
            permissions["read_outboxes"] = .strings(reads)
            resume["permissions"] = .object(permissions)
        }
        return (resume, source)
    }

    private static func base(template: String?, view: OrgView) throws -> (JSONObject, String) {
        let name = template ?? "worker"
        guard Names.isValidTemplateName(name) else {
            throw LemmingError(
                .invalidArgument,
                "'\(name)' is not a template name (a folder of templates/: lowercase letters, digits, '_', '-')",
                field: "template")
        }
        if let bytes = try FileSystem.readIfPresent(view.paths.template(name)) {
            guard let object = try? JSONValue.parse(bytes).objectValue else {
                throw LemmingError(.invalidFile, "not a JSON object", path: "templates/\(name)/resume.json")
            }
            return (object, "template '\(name)'")
        }
        if template != nil {
            let known = (try FileSystem.list(view.paths.templates) ?? []).filter(Names.isValidTemplateName).sorted()
            throw LemmingError(
                .notFound,
                "no template '\(name)' (templates: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        var minimal = workerResume.objectValue ?? JSONObject()
        // The minimal resume names the model of `lemming init`; other orgs get the built-in simulation.
        if view.registry["sim"] == nil { minimal["model"] = ["key": "scripted"] }
        return (minimal, "a minimal resume")
    }

    /// Validates `resume` for a new agent `name` and creates its folder.
    ///
    /// - Returns: the validator's warnings.
    /// - Throws: ``LemmingError`` `.invalidArgument` for a bad or reserved name, `.conflict` when the
    ///   folder exists, ``ResumeRejected`` when the resume has errors.
    @discardableResult
    public static func create(name: String, resume: JSONObject, view: OrgView) throws -> [ValidationIssue] {
        guard Names.isValidAgentName(name) else {
            throw LemmingError(
                .invalidArgument, "'\(name)' is not a valid agent name (lowercase letters, digits, '_', at most 64)",
                field: "name")
        }
        guard name != Names.human else {
            throw LemmingError(.invalidArgument, "'human' is reserved for the person operating the org", field: "name")
        }
        let paths = view.paths
        guard !FileSystem.exists(paths.agent(name)) else {
            throw LemmingError(.conflict, "agents/\(name) already exists")
        }
        let result = try validate(resume, name: name, view: view)
        let bytes = JSONWriter().bytes(.object(resume))
        try checkSize(bytes, name: name)
        for folder in [paths.outbox(name), paths.memory(name), paths.workspace(name)] {
            try FileSystem.makeDirectory(folder)
        }
        try FileSystem.writeAtomically(bytes, to: paths.resume(name))
        return result.warnings
    }

    /// Validates `resume` and writes it over the resume of the existing agent `name`.
    ///
    /// - Returns: the validator's warnings.
    @discardableResult
    public static func replace(name: String, resume: JSONObject, view: OrgView) throws -> [ValidationIssue] {
        guard view.isAgent(name) else {
            throw LemmingError(.notFound, "no agent named '\(name)'")
        }
        let result = try validate(resume, name: name, view: view)
        let bytes = JSONWriter(style: .pretty).bytes(.object(resume))
        try checkSize(bytes, name: name)
        try FileSystem.writeAtomically(bytes, to: view.paths.resume(name))
        return result.warnings
    }

    /// Refuses a resume the engine would refuse for its size.
    private static func checkSize(_ bytes: [UInt8], name: String) throws {
        guard bytes.count > ResumeValidator.maxFileBytes else { return }
        throw ResumeRejected(issues: [ResumeValidator.tooLarge(size: bytes.count, file: "agents/\(name)/resume.json")])
    }

    private static func validate(_ resume: JSONObject, name: String, view: OrgView) throws -> ResumeValidator.Result {
        let validator = ResumeValidator(
            context: .init(
                folderName: name, modelKeys: view.registry.keys, knownAgents: Set(view.agentNames).union([name])))
        let result = validator.validate(resume, file: "agents/\(name)/resume.json")
        guard result.errors.isEmpty else { throw ResumeRejected(issues: result.errors) }
        return result
    }
}

/// A resume the validator refused, with every error it found.
public struct ResumeRejected: Error, CustomStringConvertible, Sendable {
    public let issues: [ValidationIssue]

    public var description: String { issues.map(\.description).joined(separator: "; ") }
}
