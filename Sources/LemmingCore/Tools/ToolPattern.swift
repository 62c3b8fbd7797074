/// A name in `permissions.tools` or `tools.require_approval` (DESIGN §7): a tool's name, or a
/// namespace wildcard such as `mcp.github.*`, which matches every tool whose name starts with
/// `mcp.github.` (the tools an MCP server lists, whatever they are).
public enum ToolPattern {
    /// Whether `pattern` names `tool`.
    public static func matches(_ pattern: String, _ tool: String) -> Bool {
        guard let namespace = namespace(ofWildcard: pattern) else { return pattern == tool }
        return tool.count > namespace.count + 1 && tool.hasPrefix(namespace + ".")
    }

    /// Whether any of `patterns` names `tool`.
    public static func any(_ patterns: some Sequence<String>, matches tool: String) -> Bool {
        patterns.contains { matches($0, tool) }
    }

    /// `mcp.github` for `mcp.github.*`; `nil` for a plain name.
    public static func namespace(ofWildcard pattern: String) -> String? {
        guard pattern.hasSuffix(".*"), pattern.count > 2 else { return nil }
        return String(pattern.dropLast(2))
    }

    /// Whether `pattern` lies within `namespace`: `mcp.github.*` and `mcp.github.search` are in
    /// `mcp.github`.
    public static func isWithin(_ pattern: String, namespace: String) -> Bool {
        pattern.count > namespace.count + 1 && pattern.hasPrefix(namespace + ".")
    }
}

extension ToolPattern {
    /// Whether `pattern` names a tool among `known` (``ToolRegistry/names``): a name in it, or a
    /// name or wildcard within a namespace whose wildcard is in it.
    public static func isKnown(_ pattern: String, among known: Set<String>) -> Bool {
        if known.contains(pattern) { return true }
        return known.contains { entry in
            namespace(ofWildcard: entry).map { isWithin(pattern, namespace: $0) } ?? false
        }
    }
}
