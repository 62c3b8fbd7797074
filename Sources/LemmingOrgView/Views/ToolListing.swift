import LemmingCore
import LemmingJSON

/// One tool of the org as `lemming tools` and the API show it.
public struct ToolListing: Sendable {
    public let tool: ToolDescription
    /// Agents whose `permissions.tools` name it.
    public let agents: [String]

    public var kind: String {
        if tool.name.hasPrefix(A2ASettings.toolPrefix) { return "a2a" }
        return ToolSettings.builtinNames.contains(tool.name) ? "built-in" : "custom"
    }

    /// Every tool, built-ins first in their documented order, then custom tools by name.
    public static func all(registry: ToolRegistry, view: OrgView) -> [ToolListing] {
        let order = ToolSettings.builtinNames + registry.names.subtracting(ToolSettings.builtinNames).sorted()
        return registry.descriptions(of: order).map { tool in
            ToolListing(
                tool: tool,
                agents: view.agentNames.filter {
                    view.agents[$0]?.resume?.permissions.tools.contains(tool.name) == true
                })
        }
    }

    /// Agents whose `permissions.tools` name tools that do not exist.
    public static func unknownPermissions(registry: ToolRegistry, view: OrgView) -> [(String, [String])] {
        view.agentNames.compactMap { name in
            let missing = (view.agents[name]?.resume?.permissions.tools ?? []).filter { registry[$0] == nil }
            return missing.isEmpty ? nil : (name, missing)
        }
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
