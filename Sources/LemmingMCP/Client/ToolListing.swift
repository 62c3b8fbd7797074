import Foundation
import LemmingJSON
import MCP

/// A server's tools as the engine keeps them: those it can offer agents, and what it left out.
struct ServerTools: Sendable {
    /// A tool a server listed, as agents see it.
    struct Listed: Sendable {
        var name: String
        var title: String?
        var description: String?
        var inputSchema: JSONValue
    }

    var tools: [Listed] = []
    /// Why each tool left out was (a name agents cannot call, no or an oversized schema, a duplicate).
    var leftOut: [String] = []

    /// The largest input schema kept, as compact JSON: every prompt of an agent that may call
    /// the tool carries it.
    static let maxSchemaBytes = 32_768
    /// The most tools kept of one server.
    static let maxTools = 1_000

    /// Reads one page of `tools/list` entry by entry: a tool that is not well formed is left out
    /// with the reason, the rest are kept (the SDK's own decoding fails the whole list).
    mutating func add(_ entries: [MCP.Value]) {
        for entry in entries {
            let value = JSONValue(entry)
            guard let name = value["name"]?.stringValue else {
                leftOut.append("a tool without a name")
                continue
            }
            let shown = String(name.prefix(60).map { $0.isLetter || $0.isNumber || "_-. ".contains($0) ? $0 : "?" })
            guard MCPTool.isValidName(name) else {
                leftOut.append("'\(shown)': not a valid tool name (1 to 128 of A-Z a-z 0-9 _ - .)")
                continue
            }
            guard let schema = value["inputSchema"], schema.objectValue != nil else {
                leftOut.append("'\(name)': no inputSchema object")
                continue
            }
            let size = JSONWriter(style: .compact).bytes(schema).count
            guard size <= Self.maxSchemaBytes else {
                leftOut.append("'\(name)': its input schema has \(size) bytes (at most \(Self.maxSchemaBytes))")
                continue
            }
            guard !tools.contains(where: { $0.name == name }) else {
                leftOut.append("'\(name)': listed twice")
                continue
            }
            guard tools.count < Self.maxTools else {
                leftOut.append("'\(name)': more than \(Self.maxTools) tools")
                continue
            }
            tools.append(
                Listed(
                    name: name, title: value["title"]?.stringValue, description: value["description"]?.stringValue,
                    inputSchema: schema))
        }
    }
}

/// `tools/list` with each tool kept as a plain JSON value, for ``ServerTools/add(_:)``.
enum LenientListTools: MCP.Method {
    static let name = ListTools.name
    typealias Parameters = ListTools.Parameters

    struct Result: Codable, Hashable, Sendable {
        var tools: [MCP.Value]
        var nextCursor: String?
    }
}
