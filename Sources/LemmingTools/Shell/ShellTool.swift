import LemmingCore
import LemmingJSON
import LemmingProcess

/// `shell`: runs an allow-listed program (DESIGN §7) directly, without a shell, so pipes, `;`,
/// `$()` and globs in arguments are plain text. It runs in the agent's workspace with an
/// environment of only `PATH` (no API keys), stdin closed, a timeout that stops its process
/// group, and its output (stdout and stderr together) capped.
///
/// The program runs inside the kernel sandbox (``ToolProgram/policy(executables:sandbox:searchPath:extraReadable:allowsNetwork:limits:)``):
/// it may execute only the allow-listed programs, write only the workspace and `shared/`, read
/// only those and the system folders, and has no network. Argument filtering cannot make an
/// allow-listed program safe (`sort --compress-program=sh` runs a shell, `sort -o/abs/path`
/// writes anywhere), so ``ShellArgumentPolicy`` is only a second line. Where no sandbox exists,
/// calls are refused unless `tools.shell.sandbox` is `"none"`.
struct ShellTool: Tool {
    /// The `PATH` programs are looked up on and run with.
    let searchPath: String
    let runner: ProcessRunner

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
        if let refusal = ToolProgram.refusal(settings.sandbox, sandbox: runner.sandbox, setting: "tools.shell.sandbox")
        {
            return ToolOutput(.failure(name, refusal))
        }
        let sandbox = Sandbox(org: context.org, agent: context.agent)
        let argumentList = arguments["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for argument in argumentList {
            if let problem = ShellArgumentPolicy.problem(with: argument, sandbox: sandbox) {
                return ToolOutput(.failure(name, problem))
            }
        }
        guard let executable = ProgramLocator.locate(program, path: searchPath) else {
            return ToolOutput(.failure(name, "'\(program)' is allowed but not installed on this machine"))
        }
        if let problem = ToolProgram.prepare(sandbox) { return ToolOutput(.failure(name, problem)) }
        let policy = ToolProgram.policy(
            executables: settings.allow.compactMap { ProgramLocator.locate($0, path: searchPath) }, sandbox: sandbox,
            searchPath: searchPath, allowsNetwork: false, limits: context.config.tools.limits)
        let request = ProcessRunner.Request(
            executable: executable, arguments: argumentList, workingDirectory: sandbox.workspace,
            environment: ["PATH": searchPath], timeout: Deadline.seconds(settings.timeoutSeconds),
            outputLimit: settings.maxOutputBytes, combineErrorWithOutput: true,
            policy: settings.sandbox == .kernel ? policy : nil)
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
        case .failure(let failure):
            return ToolOutput(.failure(name, ToolProgram.message(failure, program: program)))
        }
    }
}
