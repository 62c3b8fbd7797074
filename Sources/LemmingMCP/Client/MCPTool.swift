import LemmingCore
import LemmingJSON
import MCP

/// A tool an MCP server lists, as agents call it: `mcp.<server>.<tool>` (DESIGN §7).
///
/// Its arguments are checked against the server's input schema by the engine; the call goes to
/// the server (`tools/call`), bounded by the server's `timeout_seconds` (then cancelled with
/// `notifications/cancelled`), and its result is shown as text cut at `max_output_bytes`.
struct MCPTool: LemmingCore.Tool {
    let pool: MCPServerPool
    let server: String
    let tool: MCP.Tool

    /// The longest description shown in the prompt.
    static let maxSummaryCharacters = 1_000

    var name: String { "mcp.\(server).\(tool.name)" }

    var summary: String {
        let text = (tool.description ?? tool.title ?? "").trimmingWhitespace()
        guard !text.isEmpty else { return "Tool \(tool.name) of the MCP server \(server)." }
        return text.count > Self.maxSummaryCharacters ? text.prefix(Self.maxSummaryCharacters) + "…" : text
    }

    var argumentSchema: JSONValue { JSONValue(tool.inputSchema) }

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        ToolOutput(await pool.call(server: server, tool: tool.name, arguments: arguments))
    }

    /// Whether a listed tool's name can be used: 1 to 128 of `A-Z a-z 0-9 _ - .` (the MCP
    /// specification's recommendation, 2025-11-25 "Tool names"); others are left out.
    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte == 0x2D || byte == 0x2E
        }
    }
}
