import LemmingCore
import MCP

/// The tools of one MCP server, `mcp.<server>.<tool>`, for the engine's tool registry.
struct MCPToolSource: ToolSource {
    let pool: MCPServerPool
    let server: String
    let requiresApproval: Bool

    var namespace: String { "mcp." + server }

    func prepare() async {
        _ = await pool.ready(server)
    }

    var tools: [any LemmingCore.Tool] {
        pool.listing(of: server).tools.map { MCPTool(pool: pool, server: server, tool: $0) }
    }

    var problem: String? { pool.listing(of: server).problem }
}
