import LemmingCore

/// The tools of an org: the built-ins of DESIGN §7 and the custom tools of `lemming.json`.
public struct BuiltinToolFactory: ToolFactory {
    /// The `PATH` the shell and custom tools look programs up on and run with.
    public let searchPath: String

    /// - Parameter environment: the process environment; only its `PATH` is used.
    public init(environment: [String: String]) {
        searchPath = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
    }

    public func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry {
        let settings = config.tools
        var tools: [any Tool] = [
            MemoryReadTool(), MemoryWriteTool(), MemoryListTool(), MemorySearchTool(), FileReadTool(),
            FileWriteTool(isAppending: false), FileWriteTool(isAppending: true), FileListTool(), FileSearchTool(),
            ShellTool(searchPath: searchPath, allowed: settings.shell.allow),
            HTTPGetTool(allowHosts: settings.http.allowHosts), CalculatorTool(), CreateAgentTool(),
        ]
        for custom in settings.custom {
            tools.append(CustomTool(settings: custom, org: org, searchPath: searchPath))
        }
        let approval = Set(settings.requireApproval).union(settings.custom.filter(\.requiresApproval).map(\.name))
        return ToolRegistry(tools, approvalRequired: approval, approvalTimeoutTicks: settings.approvalTimeoutTicks)
    }

    /// Warnings about custom tools whose program cannot be found or run (for `lemming validate`).
    public func issues(config: OrgConfig, org: OrgPaths) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for (position, custom) in config.tools.custom.enumerated() {
            let tool = CustomTool(settings: custom, org: org, searchPath: searchPath)
            if let executable = tool.executable, ProcessRunner.isExecutable(executable) { continue }
            issues.append(
                ValidationIssue(
                    .warning, file: "lemming.json", field: "tools.custom[\(position)].command", rule: "not_found",
                    message: "'\(custom.command[0])' is not an executable file (calls of \(custom.name) will fail)"))
        }
        return issues
    }
}
