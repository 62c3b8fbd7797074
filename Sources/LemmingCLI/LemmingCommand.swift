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
            ResetCommand.self, AgentCommand.self, SchemaCommand.self, DemoCommand.self,
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
    public static func run() async {
        await LemmingCommand.main()
    }
}
