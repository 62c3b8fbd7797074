import LemmingCore
import LemmingProcess

/// The tools of an org: the built-ins of DESIGN §7 and the custom tools of `lemming.json`.
public struct BuiltinToolFactory: ToolFactory {
    /// The `PATH` the shell and custom tools look programs up on and run with.
    public let searchPath: String
    /// Runs the programs of `shell` and custom tools, inside ``ProgramSandbox``.
    public let runner: ProcessRunner
    /// Where the headers of remote A2A agents are read from (`a2a.agents.*.headers_env`).
    let environment: [String: String]
    /// How `memory_search` ranks an org's records (the search index); `nil` matches text plainly.
    public var memoryRanking: (@Sendable (OrgPaths, OrgConfig) -> (any MemoryRanking)?)?
    /// The sources of tools learnt at run time (the org's MCP servers, `mcp.<server>.<tool>`).
    public var toolSources: (@Sendable (OrgConfig, OrgPaths) -> [any ToolSource])?

    /// The kernel sandbox programs run in.
    public var sandbox: ProgramSandbox { runner.sandbox }

    /// - Parameters:
    ///   - environment: the process environment; its `PATH`, and `LEMMING_SANDBOX_LAUNCHER`
    ///     when the launcher is not this executable (see ``ProgramSandbox/detect(environment:)``).
    ///   - sandbox: the sandbox, when not the one detected from `environment`.
    ///   - clock: the clock of the programs' timeouts.
    public init(
        environment: [String: String], sandbox: ProgramSandbox? = nil,
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.environment = environment
        searchPath = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        runner = ProcessRunner(sandbox: sandbox ?? ProgramSandbox.detect(environment: environment), clock: clock)
    }

    public func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry {
        let settings = config.tools
        var tools: [any Tool] = [
            MemoryReadTool(), MemoryWriteTool(), MemoryListTool(),
            MemorySearchTool(ranking: memoryRanking?(org, config)), FileReadTool(),
            FileWriteTool(isAppending: false), FileWriteTool(isAppending: true), FileListTool(), FileSearchTool(),
            ShellTool(searchPath: searchPath, runner: runner, allowed: settings.shell.allow),
            HTTPGetTool(allowHosts: settings.http.allowHosts), CalculatorTool(), CreateAgentTool(),
        ]
        for custom in settings.custom {
            tools.append(CustomTool(settings: custom, org: org, searchPath: searchPath, runner: runner))
        }
        tools += A2ATool.tools(config.a2a, environment: environment)
        let approval = Set(settings.requireApproval).union(settings.custom.filter(\.requiresApproval).map(\.name))
            .union(config.a2a.agents.filter(\.requiresApproval).map(\.toolName))
        return ToolRegistry(
            tools, sources: toolSources?(config, org) ?? [], approvalRequired: approval,
            approvalTimeoutTicks: settings.approvalTimeoutTicks)
    }

    /// Warnings about custom tools whose program cannot be found or run, about programs that will
    /// be refused because this machine has no sandbox, and about opt-outs (`"sandbox": "none"`)
    /// on a machine that has one (for `lemming validate`).
    public func issues(config: OrgConfig, org: OrgPaths) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if sandbox.isAvailable {
            // An opt-out kept after moving to a machine that has a sandbox.
            if config.tools.shell.sandbox == .none {
                issues.append(
                    ValidationIssue(
                        .warning, file: "lemming.json", field: "tools.shell.sandbox", rule: "unconfined",
                        message: "shell programs run unconfined although this machine has \(sandbox)"))
            }
            for (position, custom) in config.tools.custom.enumerated() where custom.sandbox == .none {
                issues.append(
                    ValidationIssue(
                        .warning, file: "lemming.json", field: "tools.custom[\(position)].sandbox", rule: "unconfined",
                        message: "\(custom.name) runs unconfined although this machine has \(sandbox)"))
            }
        } else {
            if config.tools.shell.sandbox == .kernel {
                issues.append(
                    ValidationIssue(
                        .warning, file: "lemming.json", field: "tools.shell.sandbox", rule: "no_sandbox",
                        message: "no kernel sandbox on this machine (\(sandbox)): shell calls will be refused"))
            }
            for (position, custom) in config.tools.custom.enumerated() where custom.sandbox == .kernel {
                issues.append(
                    ValidationIssue(
                        .warning, file: "lemming.json", field: "tools.custom[\(position)].sandbox", rule: "no_sandbox",
                        message:
                            "no kernel sandbox on this machine (\(sandbox)): calls of \(custom.name) will be refused"))
            }
        }
        for (position, custom) in config.tools.custom.enumerated() {
            let tool = CustomTool(settings: custom, org: org, searchPath: searchPath, runner: runner)
            if let executable = tool.executable, ProgramLocator.isExecutable(executable) { continue }
            issues.append(
                ValidationIssue(
                    .warning, file: "lemming.json", field: "tools.custom[\(position)].command", rule: "not_found",
                    message: "'\(custom.command[0])' is not an executable file (calls of \(custom.name) will fail)"))
        }
        return issues
    }
}

extension BuiltinToolFactory {
    /// The sandbox in force for the org's programs, as `lemming validate` and `doctor` print it:
    /// `landlock ABI 7`, `bubblewrap (/usr/bin/bwrap)`, `none (opted out: …)` or
    /// `unavailable (…): shell and custom tools are refused`.
    public func sandboxSummary(config: OrgConfig) -> String {
        let tools = config.tools
        let optedOut =
            [tools.shell.sandbox == .none ? "tools.shell.sandbox" : nil]
            + tools.custom.map { $0.sandbox == .none ? "tools.custom \($0.name)" : nil }
        let names = optedOut.compactMap { $0 }
        if names.count == 1 + tools.custom.count {
            return "none (opted out: \(names.joined(separator: ", ")))"
        }
        var summary: String
        switch sandbox.kind {
        case .landlock, .bubblewrap: summary = sandbox.description
        case .unavailable(let reason): summary = "unavailable (\(reason)): shell and custom tools are refused"
        }
        if !names.isEmpty { summary += "; none (opted out: \(names.joined(separator: ", ")))" }
        return summary
    }
}
