import LemmingCore
import LemmingJSON

/// One tool of the org as `lemming tools` and the API show it.
public struct ToolListing: Sendable {
    public let tool: ToolDescription
    /// Agents whose `permissions.tools` name it.
    public let agents: [String]

    /// `built-in`, `custom`, `mcp` (a tool an MCP server lists) or `a2a` (a remote A2A agent).
    public var kind: String {
        if ToolSettings.builtinNames.contains(tool.name) { return "built-in" }
        if tool.name.hasPrefix(A2ASettings.toolPrefix) { return "a2a" }
        return tool.name.hasPrefix("mcp.") ? "mcp" : "custom"
    }

    /// Every tool, built-ins first in their documented order, then custom tools by name, then the
    /// tools each MCP server listed (those of servers not started are not known).
    public static func all(registry: ToolRegistry, view: OrgView) -> [ToolListing] {
        let order =
            ToolSettings.builtinNames + Set(registry.tools.keys).subtracting(ToolSettings.builtinNames).sorted()
            + registry.sources.map { $0.namespace + ".*" }
        return registry.descriptions(of: order).map { tool in
            ToolListing(
                tool: tool,
                agents: view.agentNames.filter {
                    ToolPattern.any(view.agents[$0]?.resume?.permissions.tools ?? [], matches: tool.name)
                })
        }
    }

    /// Agents whose `permissions.tools` name tools that do not exist.
    public static func unknownPermissions(registry: ToolRegistry, view: OrgView) -> [(String, [String])] {
        view.agentNames.compactMap { name in
            let missing = (view.agents[name]?.resume?.permissions.tools ?? []).filter { !exists($0, in: registry) }
            return missing.isEmpty ? nil : (name, missing)
        }
    }

    /// Whether `pattern` names a tool: one the registry has, a wildcard over a source, or a
    /// name within a source that could not list its tools.
    private static func exists(_ pattern: String, in registry: ToolRegistry) -> Bool {
        if registry[pattern] != nil { return true }
        guard let source = registry.source(of: pattern) else { return false }
        return ToolPattern.namespace(ofWildcard: pattern) != nil || source.problem != nil
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(tool.name)
        object["kind"] = .string(kind)
        object["description"] = .string(tool.summary)
        object["requires_approval"] = .bool(tool.requiresApproval)
        object["arguments"] = tool.argumentSchema
        object["agents"] = .strings(agents)
        return .object(object)
    }
}
