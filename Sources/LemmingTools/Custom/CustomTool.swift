import LemmingCore
import LemmingJSON
import LemmingProcess

/// A tool declared in `lemming.json` `tools.custom` (DESIGN §7): a program run without a shell,
/// in the caller's workspace, with the arguments as JSON on stdin and an environment of `PATH`,
/// `LEMMING_AGENT`, `LEMMING_TICK` and `LEMMING_ORG` only.
///
/// It answers one JSON value on stdout: `{"output": "text"}` is shown as the text,
/// `{"error": "reason"}` is a failure, anything else is shown as JSON. A non-zero exit is a
/// failure (with the end of stderr); so are a timeout and more output than its cap.
///
/// The program runs inside the kernel sandbox: it may execute only its declared command (with
/// the command's `#!` interpreter and the dynamic loader) and the programs its `"exec"` lists,
/// read the system folders, the
/// command's own folder and the absolute paths among its arguments (a script run by an
/// interpreter), write the workspace and `shared/`, and use the network only with
/// `"network": true`. Its `"sandbox": "none"` runs it unconfined; without a sandbox on the machine
/// and without that opt-out, calls are refused.
struct CustomTool: Tool {
    let settings: ToolSettings.Custom
    let org: OrgPaths
    let searchPath: String
    let runner: ProcessRunner

    var name: String { settings.name }
    var summary: String { settings.description.isEmpty ? "Custom tool \(settings.name)." : settings.description }
    var argumentSchema: JSONValue { settings.schema }

    /// The program's absolute path, or `nil` when it cannot be found.
    var executable: String? {
        ProgramLocator.resolve(settings.command[0], relativeTo: org.root, path: searchPath)
    }

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        guard let executable else {
            return ToolOutput(.failure(name, "'\(settings.command[0])' was not found on PATH"))
        }
        if let refusal = ToolProgram.refusal(
            settings.sandbox, sandbox: runner.sandbox, setting: "tools.custom (the tool's \"sandbox\")")
        {
            return ToolOutput(.failure(name, refusal))
        }
        let sandbox = Sandbox(org: context.org, agent: context.agent)
        if let problem = ToolProgram.prepare(sandbox) { return ToolOutput(.failure(name, problem)) }
        var input = JSONWriter(style: .compact).bytes(.object(arguments))
        input.append(0x0A)
        let others = settings.exec.compactMap { $0.hasPrefix("/") ? $0 : ProgramLocator.locate($0, path: searchPath) }
        let policy = ToolProgram.policy(
            executables: [executable] + others, sandbox: sandbox, searchPath: searchPath,
            extraReadable: [FileSystem.parentDirectory(of: executable)]
                + settings.command.dropFirst().filter { $0.hasPrefix("/") && FileSystem.exists($0) },
            allowsNetwork: settings.allowsNetwork,
            limits: context.config.tools.limits)
        let request = ProcessRunner.Request(
            executable: executable, arguments: Array(settings.command.dropFirst()), workingDirectory: sandbox.workspace,
            environment: [
                "PATH": searchPath, "LEMMING_AGENT": context.agent, "LEMMING_TICK": String(context.tick),
                "LEMMING_ORG": context.org.root,
            ],
            input: input, timeout: Deadline.seconds(settings.timeoutSeconds), outputLimit: settings.maxOutputBytes,
            policy: settings.sandbox == .kernel ? policy : nil)
        switch await runner.run(request) {
        case .success(let outcome):
            return ToolOutput(answer(outcome))
        case .failure(let failure):
            return ToolOutput(.failure(name, ToolProgram.message(failure, program: name)))
        }
    }

    private func answer(_ outcome: ProcessRunner.Outcome) -> ToolResult {
        guard outcome.exitedCleanly else {
            let detail = outcome.errorSummary
            return .failure(name, "\(name) \(outcome.statusDescription)\(detail.isEmpty ? "" : ": \(detail)")")
        }
        guard !outcome.isOutputTruncated else {
            return .failure(name, "\(name) wrote more than \(settings.maxOutputBytes) bytes (its max_output_bytes)")
        }
        guard let value = try? JSONValue.parse(outcome.output) else {
            return .failure(name, "\(name) did not answer JSON on stdout")
        }
        if let error = value["error"]?.stringValue { return .failure(name, error) }
        if let output = value["output"]?.stringValue { return .success(name, output) }
        return .success(name, value.compactText)
    }
}
