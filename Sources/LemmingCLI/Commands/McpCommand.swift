import ArgumentParser
import LemmingCore
import LemmingMCP
import MCP

/// `lemming mcp`: the org as an MCP server over stdio, for MCP clients (issue 14 §2).
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the org to an MCP client over stdio (Model Context Protocol).",
        discussion: """
            An MCP client (Claude Desktop, an IDE, another agent) starts `lemming mcp --org DIR` and talks to it \
            on standard input and output. Tools: list_agents, get_status, send_message, read_inbox (waiting for \
            an answer), step, search, list_approvals, approve, deny. Nothing but the protocol is written to \
            standard output.
            """
    )

    @OptionGroup var org: OrgOptions

    func run() async throws {
        let root = try org.resolve()
        let paths = OrgPaths(root: root)
        let operations = StandardOrgOperations(
            paths: paths, steer: { try await Steering.submit($0, root: root) },
            step: { try await Engine.step { try await EngineFactory.open(root: root) } },
            index: { try SearchIndexAccess.open(paths) })
        try await OrgMCPServer(operations: operations, version: LemmingVersion.current).run(over: StdioTransport())
    }
}
