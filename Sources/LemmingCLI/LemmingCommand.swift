import ArgumentParser
import Foundation
import LemmingCore
import LemmingMCP

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
            AgentsCommand.self, InspectCommand.self, LogsCommand.self, StatsCommand.self, CompareCommand.self,
            GraphCommand.self, SendCommand.self,
            InboxCommand.self, SearchCommand.self, IndexCommand.self, ChatCommand.self, TopUpCommand.self,
            PauseCommand.self, ResumeCommand.self, ApprovalsCommand.self, ApproveCommand.self, DenyCommand.self,
            ResetCommand.self, AgentCommand.self, ModelsCommand.self, ToolsCommand.self, DoctorCommand.self,
            ServeCommand.self, McpCommand.self, SchemaCommand.self, DemoCommand.self, ForkCommand.self,
            BackupCommand.self, RestoreCommand.self, ReplayCommand.self, TestCommand.self, ExportCommand.self,
            ImportCommand.self,
        ]
    )

    public init() {}
}

/// The entry point of the `lemming` executable, and the line between parsing and running.
///
/// - Parsing: help and version go to standard output, exit 0; a usage error is one line on
///   standard error, `error: … (see lemming <command> --help)`, exit 64.
/// - Running: any error is one plain line, `error: …`, exit 1 (130 when cancelled); a reader that
///   closed the pipe ends the command quietly with exit 0. No backtraces, no raw errno dumps.
public enum LemmingMain {
    /// The exit status of a usage error (`EX_USAGE` of sysexits.h).
    static let usageStatus: Int32 = 64

    /// Parses the arguments, runs the command and exits with its status.
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        let parsed: any ParsableCommand
        do {
            parsed = try LemmingCommand.parseAsRoot(arguments)
        } catch {
            finish(parseFailure(error, arguments: arguments))
        }
        do {
            var command = parsed
            if var asynchronous = command as? any AsyncParsableCommand {
                // The org's MCP servers live as long as the command (none starts unless needed).
                try await EngineFactory.mcpServers.running { try await asynchronous.run() }
            } else {
                try command.run()
            }
        } catch {
            finish(runFailure(error, arguments: arguments))
        }
        finish(Outcome(status: 0))
    }

    /// What the process says last and its exit status.
    struct Outcome: Equatable {
        var standardOutput: String?
        var standardError: String?
        var status: Int32
    }

    /// The outcome of an error thrown while parsing (help and version requests included).
    static func parseFailure(_ error: any Error, arguments: [String]) -> Outcome {
        let status = LemmingCommand.exitCode(for: error).rawValue
        if status == 0 {
            let text = LemmingCommand.fullMessage(for: error)
            return Outcome(standardOutput: text.isEmpty ? nil : text + "\n", status: 0)
        }
        if error is ExitCode { return Outcome(status: status) }
        return usage(LemmingCommand.message(for: error), arguments: arguments)
    }

    /// The outcome of an error thrown while running a command.
    static func runFailure(_ error: any Error, arguments: [String]) -> Outcome {
        switch error {
        case let code as ExitCode:
            // The command said what went wrong itself.
            return Outcome(status: code.rawValue)
        case let output as OutputError where output.isClosedPipe:
            return Outcome(status: 0)
        case is CancellationError:
            return Outcome(status: 130)
        case _ where LemmingCommand.exitCode(for: error) == .success:
            // `lemming help` and `--help` after a subcommand are answered while running.
            return parseFailure(error, arguments: arguments)
        case is ValidationError:
            // An argument the command could only check while running: still a usage error.
            return usage(LemmingCommand.message(for: error), arguments: arguments)
        default:
            return Outcome(standardError: "error: \(firstLine(of: plainMessage(for: error)))\n", status: 1)
        }
    }

    /// A usage error: one line pointing at the command's help.
    private static func usage(_ message: String, arguments: [String]) -> Outcome {
        let subcommand = commandPath(in: arguments).map { " " + $0 }.joined()
        return Outcome(
            standardError: "error: \(firstLine(of: message)) (see lemming\(subcommand) --help)\n", status: usageStatus)
    }

    /// A message a person can act on: the description of the errors LeMMing makes, and the
    /// system's words for an error code instead of a type dump.
    static func plainMessage(for error: any Error) -> String {
        switch error {
        case let error as LemmingError: return error.description
        case let error as ProviderError: return error.description
        case let error as OutputError: return error.description
        case let error as any LocalizedError:
            return error.errorDescription ?? String(describing: error)
        default:
            let text = String(describing: error)
            // "bind(descriptor:ptr:bytes:): Address already in use (errno: 98)" → the reason only.
            if let range = text.range(of: " (errno: "), let colon = text[..<range.lowerBound].range(of: "): ") {
                return String(text[colon.upperBound..<range.lowerBound])
            }
            return text
        }
    }

    private static func firstLine(of text: String) -> String {
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        return line.isEmpty ? "unexpected error" : line
    }

    /// Says the last words and exits.
    private static func finish(_ outcome: Outcome) -> Never {
        var status = outcome.status
        if let text = outcome.standardOutput {
            do {
                try Terminal.write(text)
            } catch let error as OutputError where !error.isClosedPipe {
                Terminal.printError("error: \(error)")
                status = 1
            } catch {}
        }
        if let text = outcome.standardError { try? Terminal.write(text, to: .standardError) }
        exit(status)
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
