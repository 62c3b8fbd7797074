import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingMCP
import LemmingTools

/// `lemming validate`: checks lemming.json, models.json and every resume with the one validator.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check lemming.json, models.json and every resume; exit 1 on errors."
    )

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let errors = try await report()
        if errors > 0 { throw ExitCode.failure }
    }

    private func report() async throws -> Int {
        let paths = OrgPaths(root: try org.resolve())
        let store = FileOrgStore(paths: paths)
        let (config, registry, settingsIssues) = try store.loadSettings()
        let tools = EngineFactory.tools()
        let known = try tools.makeRegistry(config: config, org: paths).names
        let agents = try store.scanAgents(previous: [:], registry: registry, knownTools: known)
        let agentIssues = agents.keys.sorted(by: Names.precedes).flatMap { agents[$0]?.issues ?? [] }
        let issues =
            settingsIssues + tools.issues(config: config, org: paths)
            + EngineFactory.mcpServers.issues(config: config, org: paths) + agentIssues
            + Self.exposeIssues(config.a2a, resumes: agents.compactMapValues(\.resume))
        let errors = issues.filter(\.isError)
        let valid = agents.values.filter { $0.resume != nil }.count
        let sandbox = tools.sandboxSummary(config: config)
        if output.json {
            try Terminal.printJSON([
                "valid": .bool(errors.isEmpty), "agents": .int(valid), "issues": .array(issues.map(\.json)),
                "sandbox": .string(sandbox),
            ])
        } else {
            try Terminal.print("sandbox: \(sandbox)")
            for issue in issues {
                try Terminal.print("\(issue.isError ? "error" : "warning"): \(issue)")
            }
            let summary =
                "\(valid) valid agent\(valid == 1 ? "" : "s"), \(errors.count) error\(errors.count == 1 ? "" : "s"), "
                + "\(issues.count - errors.count) warning\(issues.count - errors.count == 1 ? "" : "s")"
            try Terminal.print(summary)
        }
        return errors.count
    }
}
