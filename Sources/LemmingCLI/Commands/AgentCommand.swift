import ArgumentParser
import LemmingCore
import LemmingOrgView

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
        if let from, !Names.isValidTemplateName(from) {
            throw ValidationError(
                "'\(from)' is not a template name (a folder of templates/: lowercase letters, digits, '_', '-')")
        }
    }

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        guard !FileSystem.exists(view.paths.agent(name)) else {
            throw LemmingError(.invalidArgument, "agents/\(name) already exists")
        }
        let (resume, source) = try AgentDraft.resume(
            name: name, template: from, title: title, model: model, reads: reads, view: view)
        let warnings: [ValidationIssue]
        do {
            warnings = try AgentDraft.create(name: name, resume: resume, view: view)
        } catch let rejected as ResumeRejected {
            throw LemmingError(.invalidFile, rejected.description)
        }
        for warning in warnings { try Terminal.print("warning: \(warning)") }
        try Terminal.print("created agents/\(name)/resume.json from \(source); it joins at the next tick")
    }
}
