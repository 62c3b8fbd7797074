import ArgumentParser

/// `lemming`: the root command.
public struct LemmingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lemming",
        abstract: "A filesystem-first multi-agent orchestration engine.",
        discussion: """
            An org is a directory: agents/<name>/resume.json defines each agent, agents publish to their own \
            outbox, and a deterministic tick scheduler decides who runs. Every command takes --org DIR \
            (or LEMMING_ORG); by default the nearest folder upward that holds lemming.json.
            """,
        version: LemmingVersion.current,
        subcommands: [
            InitCommand.self, ValidateCommand.self, RunCommand.self, StepCommand.self, StatusCommand.self,
            AgentsCommand.self, InspectCommand.self, LogsCommand.self, GraphCommand.self, SendCommand.self,
            InboxCommand.self, ChatCommand.self, TopUpCommand.self, PauseCommand.self, ResumeCommand.self,
            ApprovalsCommand.self, ApproveCommand.self, DenyCommand.self, ResetCommand.self, AgentCommand.self,
            ModelsCommand.self, ToolsCommand.self, DoctorCommand.self, ServeCommand.self, SchemaCommand.self,
            DemoCommand.self,
        ]
    )

    public init() {}
}

/// The version printed by `lemming --version`.
public enum LemmingVersion {
    public static let current = "0.1.0"
}

/// The entry point of the `lemming` executable.
public enum LemmingMain {
    /// Parses the arguments and runs the command. Help and version go to stdout; a usage error is
    /// one line on stderr (`error: …`) with a pointer to `--help`, and exit code 64.
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        do {
            var command = try LemmingCommand.parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = LemmingCommand.exitCode(for: error)
            if code == .success || error is ExitCode {
                LemmingCommand.exit(withError: error)
            }
            let message = LemmingCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let subcommand = commandPath(in: arguments).map { " " + $0 }.joined()
            Terminal.printError("error: \(message) (see lemming\(subcommand) --help)")
            LemmingCommand.exit(withError: ExitCode(64))
        }
    }

    /// The (sub)command names at the start of `arguments`, for pointing at the right `--help`.
    static func commandPath(in arguments: [String]) -> [String] {
        var path: [String] = []
        var commands = LemmingCommand.configuration.subcommands
        for argument in arguments {
            guard let match = commands.first(where: { $0.configuration.commandName == argument }) else { break }
            path.append(argument)
            commands = match.configuration.subcommands
        }
        return path
    }
}
