import LemmingCore
import LemmingProcess

extension MCPServerPool {
    /// Warnings about the org's MCP servers, without starting any (for `lemming validate`): a
    /// stdio program that cannot be found, one that will be refused for want of a sandbox or
    /// that opted out of the machine's, and variables `pass_env` or `headers_env` name that this
    /// environment does not set.
    public func issues(config: OrgConfig, org: OrgPaths) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        func warn(_ field: String, _ rule: String, _ message: String) {
            issues.append(ValidationIssue(.warning, file: "lemming.json", field: field, rule: rule, message: message))
        }
        for server in config.mcp.servers {
            let prefix = "mcp.servers.\(server.name)"
            switch server.transport {
            case .stdio:
                let program = server.command.first ?? ""
                let path = ProgramLocator.resolve(program, relativeTo: org.root, path: searchPath)
                if !(path.map(ProgramLocator.isExecutable) ?? false) {
                    warn(
                        prefix + ".command", "not_found",
                        "'\(program)' is not an executable file (the server cannot start)")
                }
                if server.sandbox == .kernel, !runner.sandbox.isAvailable {
                    warn(
                        prefix + ".sandbox", "no_sandbox",
                        "no kernel sandbox on this machine (\(runner.sandbox)): the server will not be started")
                } else if server.sandbox == .none, runner.sandbox.isAvailable {
                    warn(
                        prefix + ".sandbox", "unconfined",
                        "\(server.name) runs unconfined although this machine has \(runner.sandbox)")
                }
                for name in server.passEnv where environment[name] == nil {
                    warn(prefix + ".pass_env", "unset", "\(name) is not set in this environment")
                }
            case .streamableHTTP:
                for (header, name) in server.headersEnv.sorted(by: { $0.key < $1.key }) where environment[name] == nil {
                    warn(
                        prefix + ".headers_env", "unset",
                        "\(name) (for the \(header) header) is not set in this environment: the server will be unavailable"
                    )
                }
            }
        }
        return issues
    }
}
