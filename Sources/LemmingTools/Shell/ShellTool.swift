import LemmingCore
import LemmingJSON

/// `shell`: runs an allow-listed program (DESIGN §7) directly, without a shell, so pipes, `;`,
/// `$()` and globs in arguments are plain text. It runs in the agent's workspace with an
/// environment of only `PATH` (no API keys), stdin closed, a timeout that stops its process
/// group, and its output (stdout and stderr together) capped.
struct ShellTool: Tool {
    /// The `PATH` programs are looked up on and run with.
    let searchPath: String
    let runner = ProcessRunner()

    let name = "shell"
    /// The programs of `tools.shell.allow`, shown in the summary.
    let allowed: [String]
    var summary: String {
        "Run a program (no shell; arguments are passed as given) in your workspace. Programs: "
            + (allowed.isEmpty ? "none are allowed." : allowed.joined(separator: ", ") + ".")
    }
    let argumentSchema = Schema.object(
        [
            "program": Schema.string("program name (see the allow-list)", minLength: 1, maxLength: 128),
            "args": ["type": "array", "items": ["type": "string", "maxLength": 4_096], "maxItems": 64],
        ],
        required: ["program"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        let settings = context.config.tools.shell
        let program = arguments["program"]?.stringValue ?? ""
        guard allowed.contains(program), settings.allow.contains(program) else {
            return ToolOutput(
                .failure(
                    name,
                    "'\(program)' is not allowed; programs: \(settings.allow.joined(separator: ", ")) "
                        + "(lemming.json tools.shell.allow)"))
        }
        let sandbox = Sandbox(org: context.org, agent: context.agent)
        let argumentList = arguments["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for argument in argumentList {
            if let problem = ShellArgumentPolicy.problem(with: argument, sandbox: sandbox) {
                return ToolOutput(.failure(name, problem))
            }
        }
        guard let executable = ProcessRunner.locate(program, path: searchPath) else {
            return ToolOutput(.failure(name, "'\(program)' is allowed but not installed on this machine"))
        }
        do {
            try FileSystem.makeDirectory(sandbox.workspace)
        } catch {
            return ToolOutput(.failure(name, "could not create your workspace: \(error.reason)"))
        }
        let request = ProcessRunner.Request(
            executable: executable, arguments: argumentList, workingDirectory: sandbox.workspace,
            environment: ["PATH": searchPath], input: nil, timeoutSeconds: settings.timeoutSeconds,
            outputLimit: settings.maxOutputBytes, combineErrorWithOutput: true)
        switch await runner.run(request) {
        case .success(let outcome):
            let output = String(decoding: outcome.output, as: UTF8.self)
            guard outcome.exitedCleanly else {
                return ToolOutput(
                    ToolResult(
                        tool: name, isSuccess: false, output: output, error: "\(program) \(outcome.statusDescription)",
                        isTruncated: outcome.isOutputTruncated))
            }
            return ToolOutput(.success(name, output, truncated: outcome.isOutputTruncated))
        case .failure(.timedOut(let seconds)):
            return ToolOutput(
                .failure(
                    name, "\(program) did not finish within \(ProcessRunner.format(seconds: seconds)) s and was stopped"
                ))
        case .failure(.couldNotStart(let reason)):
            return ToolOutput(.failure(name, reason))
        }
    }
}
