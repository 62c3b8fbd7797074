import ArgumentParser
import LemmingCore

/// `lemming agent …`: managing agent folders.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Create agents.", subcommands: [NewAgentCommand.self])
}

/// `lemming agent new <name> [--from TEMPLATE]`.
struct NewAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create an agent from a template (templates/<name>/resume.json) or a minimal resume.",
        discussion: "The new agent is validated like any resume and joins at the next tick, even while an engine runs."
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The new agent's name (lowercase letters, digits, '_').")
    var name: String

    @Option(help: "The template to start from (default: 'worker' when the org has it).")
    var from: String?

    @Option(help: "The agent's title.")
    var title: String?

    @Option(help: "The model key (default: the template's).")
    var model: String?

    @Option(help: "Outboxes to read (repeatable).")
    var reads: [String] = []

    func validate() throws {
        guard Names.isValidAgentName(name) else {
            throw ValidationError("'\(name)' is not a valid agent name (lowercase letters, digits, '_', at most 64)")
        }
        if name == Names.human { throw ValidationError("'human' is reserved for the person operating the org") }
    }

    func run() async throws {
        try await Terminal.guarded {
            let view = try OrgView.load(root: try org.resolve())
            let paths = view.paths
            guard !FileSystem.exists(paths.agent(name)) else {
                throw LemmingError(.invalidArgument, "agents/\(name) already exists")
            }
            var resume = try template(paths: paths)
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
            let validator = ResumeValidator(
                context: .init(
                    folderName: name, modelKeys: view.registry.keys, knownAgents: Set(view.agentNames).union([name])))
            let file = "agents/\(name)/resume.json"
            let result = validator.validate(resume, file: file)
            guard result.errors.isEmpty else {
                throw LemmingError(.invalidFile, result.errors.map(\.description).joined(separator: "; "))
            }
            for folder in [paths.outbox(name), paths.memory(name), paths.workspace(name)] {
                try FileSystem.makeDirectory(folder)
            }
            try FileSystem.writeAtomically(JSONWriter().bytes(.object(resume)), to: paths.resume(name))
            for warning in result.warnings { Terminal.print("warning: \(warning)") }
            Terminal.print(
                "created \(file) from \(from.map { "template '\($0)'" } ?? source(paths: paths)); it joins at the next tick"
            )
        }
    }

    private func source(paths: OrgPaths) -> String {
        FileSystem.exists(paths.template("worker")) ? "template 'worker'" : "a minimal resume"
    }

    private func template(paths: OrgPaths) throws -> JSONObject {
        let name = from ?? "worker"
        if let bytes = try FileSystem.readIfPresent(paths.template(name)) {
            guard let object = try? JSONValue.parse(bytes).objectValue else {
                throw LemmingError(.invalidFile, "not a JSON object", path: "templates/\(name)/resume.json")
            }
            return object
        }
        if from != nil {
            let known = (try FileSystem.list(paths.templates) ?? []).sorted()
            throw LemmingError(
                .notFound,
                "no template '\(name)' (templates: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        var minimal = OrgTemplate.workerTemplate.objectValue ?? JSONObject()
        // The minimal resume names the model of `lemming init`; other orgs get the built-in simulation.
        let registry = try FileOrgStore(paths: paths).loadRegistry().0
        if registry[OrgTemplate.modelKey] == nil { minimal["model"] = ["key": "scripted"] }
        return minimal
    }
}
