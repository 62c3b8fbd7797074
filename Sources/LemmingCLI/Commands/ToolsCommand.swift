import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTools

/// `lemming tools`: the org's tools, their argument schemas and which agents may use each.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "List the tools (built-in, custom and MCP), their argument schemas and which agents may use each.",
        discussion: """
            An agent may call the tools listed in its resume's permissions.tools. Tools marked 'approval' run only \
            after `lemming approve`. MCP servers (lemming.json mcp.servers) are started to list their tools, \
            named mcp.<server>.<tool>. With a tool name, shows that tool's schema in full.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "Show one tool in full.")
    var name: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        let registry = try EngineFactory.tools().makeRegistry(config: view.config, org: view.paths)
        // MCP servers start to say what tools they have.
        await registry.prepareAll()
        let rows = ToolListing.all(registry: registry, view: view)
        if let name {
            guard let row = rows.first(where: { $0.tool.name == name }) else {
                throw LemmingError(
                    .notFound, "no tool named '\(name)' (tools: \(rows.map(\.tool.name).joined(separator: ", ")))")
            }
            if output.json {
                try Terminal.printJSON(row.json)
            } else {
                try Terminal.print(row.details)
            }
            return
        }
        if output.json {
            try Terminal.printJSON(.array(rows.map(\.json)))
            return
        }
        try Terminal.print(
            Table.render(
                header: ["TOOL", "KIND", "APPROVAL", "AGENTS", "DESCRIPTION"],
                rows: rows.map { row in
                    [
                        row.tool.name, row.kind, row.tool.requiresApproval ? "required" : "-",
                        row.agents.isEmpty ? "-" : row.agents.joined(separator: ","), row.tool.summary,
                    ]
                }))
        for source in registry.sources {
            if let problem = source.problem {
                Terminal.printError("warning: the tools of \(source.namespace) are unavailable: \(problem)")
            }
        }
        let unknown = ToolListing.unknownPermissions(registry: registry, view: view)
        for (agent, tools) in unknown {
            Terminal.printError("warning: \(agent) lists tools that do not exist: \(tools.joined(separator: ", "))")
        }
    }
}

extension ToolListing {
    /// The text of `lemming tools <name>`.
    var details: String {
        var lines = [
            "\(tool.name) (\(kind))", tool.summary,
            "approval: \(tool.requiresApproval ? "required (lemming approve <id>)" : "not required")",
            "agents: \(agents.isEmpty ? "none" : agents.joined(separator: ", "))", "arguments:",
        ]
        lines.append(String(decoding: JSONWriter(style: .pretty).bytes(tool.argumentSchema), as: UTF8.self))
        return lines.joined(separator: "\n")
    }
}
