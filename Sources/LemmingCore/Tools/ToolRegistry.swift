/// The tools of an org (DESIGN §7): built-in and custom tools by name, and the sources of tools
/// learnt at run time (MCP servers), each under its namespace.
public struct ToolRegistry: Sendable {
    /// The tools known when the registry was made, by name.
    public private(set) var tools: [String: any Tool] = [:]
    /// Sources of tools learnt at run time, in the order of their settings.
    public private(set) var sources: [any ToolSource] = []
    /// Names and wildcards (``ToolPattern``) of the tools whose calls wait for the human's approval.
    public private(set) var approvalRequired: Set<String> = []
    /// Ticks an approval request waits before it expires.
    public var approvalTimeoutTicks = 100

    /// An empty registry: no tool, no source.
    public init() {}

    /// A registry of `tools` (by their names; a later tool of the same name wins), `sources`, the names and wildcards
    /// whose calls need approval, and the approval timeout in ticks.
    public init(
        _ tools: [any Tool], sources: [any ToolSource] = [], approvalRequired: Set<String> = [],
        approvalTimeoutTicks: Int = 100
    ) {
        for tool in tools { self.tools[tool.name] = tool }
        self.sources = sources
        self.approvalRequired = approvalRequired
        self.approvalTimeoutTicks = approvalTimeoutTicks
    }

    /// The tool named `name`: a built-in or custom tool, or one its source listed last.
    public subscript(name: String) -> (any Tool)? {
        if let tool = tools[name] { return tool }
        return source(of: name)?.tools.first { $0.name == name }
    }

    /// The source whose namespace `name` (a tool's name or a wildcard) lies in.
    public func source(of name: String) -> (any ToolSource)? {
        sources.first { ToolPattern.isWithin(name, namespace: $0.namespace) }
    }

    /// What a resume may name without a warning: every tool's name, and `<namespace>.*` for each
    /// source (its tools are known only once its server runs; see ``ToolPattern/isKnown(_:among:)``).
    public var names: Set<String> { Set(tools.keys).union(sources.map { $0.namespace + ".*" }) }

    /// Whether calls of `name` wait for the human's approval: `tools.require_approval` names it
    /// (or a wildcard over it), or its source requires approval.
    public func requiresApproval(_ name: String) -> Bool {
        ToolPattern.any(approvalRequired, matches: name) || (source(of: name)?.requiresApproval ?? false)
    }

    /// Why the source `name` lies in cannot give its tools now, or `nil`.
    public func problem(with name: String) -> String? { source(of: name)?.problem }

    /// Descriptions of the tools `patterns` name that exist, in the order given and each once; a
    /// wildcard stands for its tools in name order.
    public func descriptions(of patterns: [String]) -> [ToolDescription] {
        var seen = Set<String>()
        var descriptions: [ToolDescription] = []
        for pattern in patterns {
            let matching: [any Tool]
            if ToolPattern.namespace(ofWildcard: pattern) != nil {
                let listed =
                    tools.values.filter { ToolPattern.matches(pattern, $0.name) }
                    + (source(of: pattern)?.tools ?? []).filter { ToolPattern.matches(pattern, $0.name) }
                matching = listed.sorted { $0.name < $1.name }
            } else {
                matching = self[pattern].map { [$0] } ?? []
            }
            for tool in matching where seen.insert(tool.name).inserted {
                descriptions.append(
                    ToolDescription(
                        name: tool.name, summary: tool.summary, argumentSchema: tool.argumentSchema,
                        requiresApproval: requiresApproval(tool.name)))
            }
        }
        return descriptions
    }

    /// Readies every source (starts every MCP server), for listings of all tools.
    public func prepareAll() async {
        await prepare(for: sources.map { $0.namespace + ".*" })
    }

    /// Readies, side by side, the sources that any of `patterns` reaches into, so that their
    /// tools are listed before the prompts that show them are built. Returns at once when none does.
    public func prepare(for patterns: some Sequence<String>) async {
        guard !sources.isEmpty else { return }
        var needed: [any ToolSource] = []
        for pattern in patterns {
            if let source = source(of: pattern), !needed.contains(where: { $0.namespace == source.namespace }) {
                needed.append(source)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for source in needed { group.addTask { await source.prepare() } }
        }
    }
}
