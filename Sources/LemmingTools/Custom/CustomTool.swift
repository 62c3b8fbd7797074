import LemmingCore
import LemmingJSON

/// A tool declared in `lemming.json` `tools.custom` (DESIGN §7): a program run without a shell,
/// in the caller's workspace, with the arguments as JSON on stdin and an environment of `PATH`,
/// `LEMMING_AGENT`, `LEMMING_TICK` and `LEMMING_ORG` only.
///
/// It answers one JSON value on stdout: `{"output": "text"}` is shown as the text,
/// `{"error": "reason"}` is a failure, anything else is shown as JSON. A non-zero exit is a
/// failure (with the end of stderr); so are a timeout and more output than its cap.
struct CustomTool: Tool {
    let settings: ToolSettings.Custom
    let org: OrgPaths
    let searchPath: String
    let runner = ProcessRunner()

    var name: String { settings.name }
    var summary: String { settings.description.isEmpty ? "Custom tool \(settings.name)." : settings.description }
    var argumentSchema: JSONValue { settings.schema }

    /// The program's absolute path, or `nil` when it cannot be found.
    var executable: String? {
        let program = settings.command[0]
        if program.hasPrefix("/") { return program }
        if program.contains("/") { return org.root + "/" + program }
        return ProcessRunner.locate(program, path: searchPath)
    }

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        guard let executable else {
            return ToolOutput(.failure(name, "'\(settings.command[0])' was not found on PATH"))
        }
        let workspace = context.org.workspace(context.agent)
        do {
            try FileSystem.makeDirectory(workspace)
        } catch {
            return ToolOutput(.failure(name, "could not create the workspace: \(error.reason)"))
        }
        var input = JSONWriter(style: .compact).bytes(.object(arguments))
        input.append(0x0A)
        let request = ProcessRunner.Request(
            executable: executable, arguments: Array(settings.command.dropFirst()), workingDirectory: workspace,
            environment: [
                "PATH": searchPath, "LEMMING_AGENT": context.agent, "LEMMING_TICK": String(context.tick),
                "LEMMING_ORG": context.org.root,
            ],
            input: input, timeoutSeconds: settings.timeoutSeconds, outputLimit: settings.maxOutputBytes,
            combineErrorWithOutput: false)
        switch await runner.run(request) {
        case .success(let outcome):
            return ToolOutput(answer(outcome))
        case .failure(.timedOut(let seconds)):
            return ToolOutput(
                .failure(
                    name, "\(name) did not finish within \(ProcessRunner.format(seconds: seconds)) s and was stopped"))
        case .failure(.couldNotStart(let reason)):
            return ToolOutput(.failure(name, reason))
        }
    }

    private func answer(_ outcome: ProcessRunner.Outcome) -> ToolResult {
        guard outcome.exitedCleanly else {
            let detail = String(decoding: outcome.error.suffix(500), as: UTF8.self).trimmingWhitespace()
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
