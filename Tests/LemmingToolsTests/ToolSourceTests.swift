import LemmingCore
import LemmingJSON
import LemmingTesting
import LemmingTools
import Synchronization
import Testing

/// A source of tools learnt at run time, as an MCP server is: its tools appear once it is
/// prepared, and it counts how often it was.
final class FakeSource: ToolSource {
    struct Echo: Tool {
        let name: String
        var summary: String { "Echo the text." }
        var argumentSchema: JSONValue {
            ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]
        }
        func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
            ToolOutput(.success(name, "echo: " + (arguments["text"]?.stringValue ?? "")))
        }
    }

    let namespace: String
    let requiresApproval: Bool
    private let state = Mutex((prepared: 0, problem: String?.none))

    init(namespace: String, requiresApproval: Bool = false, problem: String? = nil) {
        self.namespace = namespace
        self.requiresApproval = requiresApproval
        state.withLock { $0.problem = problem }
    }

    var preparations: Int { state.withLock { $0.prepared } }

    func prepare() async { state.withLock { $0.prepared += 1 } }

    var tools: [any Tool] {
        state.withLock { $0.prepared > 0 && $0.problem == nil }
            ? [Echo(name: namespace + ".echo"), Echo(name: namespace + ".shout")] : []
    }

    var problem: String? { state.withLock { $0.problem } }
}

/// Built-in tools plus fixed sources.
struct SourcedTools: ToolFactory {
    let sources: [any ToolSource]

    func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry {
        var factory = BuiltinToolFactory(environment: testEnvironment)
        factory.toolSources = { _, _ in sources }
        return try factory.makeRegistry(config: config, org: org)
    }
}

/// Tools learnt at run time (MCP servers, issue 14 §1) in the engine: wildcard permissions, the
/// prompt, refusals, approvals, and a source prepared before the turns that may use it.
@Suite(.timeLimit(.minutes(2))) struct ToolSourceTests {
    @Test func patternsMatchNamesAndNamespaces() {
        #expect(ToolPattern.matches("mcp.time.*", "mcp.time.now"))
        #expect(ToolPattern.matches("mcp.time.*", "mcp.time.a.b"))
        #expect(!ToolPattern.matches("mcp.time.*", "mcp.time."))
        #expect(!ToolPattern.matches("mcp.time.*", "mcp.timer.now"))
        #expect(!ToolPattern.matches("mcp.time.*", "mcp.time"))
        #expect(ToolPattern.matches("calculator", "calculator"))
        #expect(!ToolPattern.matches("calc", "calculator"))
        #expect(ToolPattern.isKnown("mcp.time.now", among: ["mcp.time.*"]))
        #expect(ToolPattern.isKnown("mcp.time.*", among: ["mcp.time.*"]))
        #expect(!ToolPattern.isKnown("mcp.other.now", among: ["mcp.time.*"]))
        #expect(ResumeSpec.Pattern.toolPattern.matches("mcp.github.*"))
        #expect(ResumeSpec.Pattern.toolPattern.matches("mcp.github.createIssue"))
        #expect(!ResumeSpec.Pattern.toolPattern.matches("mcp.*.x"))
        #expect(!ResumeSpec.Pattern.toolName.matches("mcp.github.*"))
    }

    @Test func theRegistryListsASourcesToolsOnceItIsPrepared() async {
        let source = FakeSource(namespace: "mcp.fake")
        let other = FakeSource(namespace: "mcp.other")
        let registry = ToolRegistry(
            [FakeSource.Echo(name: "calculator")], sources: [source, other], approvalRequired: ["mcp.fake.shout"])
        #expect(registry.descriptions(of: ["mcp.fake.*"]).isEmpty)
        await registry.prepare(for: ["calculator", "mcp.fake.echo"])
        #expect(source.preparations == 1 && other.preparations == 0)
        let listed = registry.descriptions(of: ["mcp.fake.echo", "mcp.fake.*", "calculator"])
        #expect(listed.map(\.name) == ["mcp.fake.echo", "mcp.fake.shout", "calculator"])
        #expect(listed.map(\.requiresApproval) == [false, true, false])
        #expect(registry["mcp.fake.echo"]?.name == "mcp.fake.echo")
        #expect(registry["mcp.fake.missing"] == nil)
        #expect(registry.names.contains("mcp.fake.*") && registry.names.contains("calculator"))
    }

    static func org(tools: [String], calls toolCalls: [JSONValue]) throws -> TemporaryOrg {
        try TemporaryOrg.make(agents: [toolAgent("a", tools: tools)], replies: [calls("a", tick: 1, toolCalls)])
    }

    @Test func anAgentCallsTheToolsItsWildcardPermits() async throws {
        let source = FakeSource(namespace: "mcp.fake")
        let org = try Self.org(
            tools: ["mcp.fake.*"],
            calls: [
                call("mcp.fake.echo", ["text": "hi"]), call("mcp.fake.missing"), call("mcp.other.echo", ["text": "x"]),
                call("mcp.fake.echo", ["words": "x"]),
            ])
        defer { org.remove() }
        try await org.run(ticks: 2, tools: SourcedTools(sources: [source]))
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.map(\.success) == [true, false, false, false])
        #expect(outcome[0].output == "echo: hi")
        #expect(outcome[1].error == "no tool named 'mcp.fake.missing' exists in this org")
        #expect(outcome[2].error == "tool 'mcp.other.echo' is not permitted for a (its permissions.tools)")
        #expect(outcome[3].error == "args.text is required")
        // The source was readied before the first prompt was built, which lists its tools.
        let prompt = try userMessage(org, "a", tick: 1)
        #expect(prompt.contains("- mcp.fake.echo: Echo the text."))
        #expect(prompt.contains("- mcp.fake.shout: Echo the text."))
        #expect(source.preparations == 2)
    }

    @Test func aSourceThatCannotGiveItsToolsSaysWhy() async throws {
        let source = FakeSource(namespace: "mcp.fake", problem: "it exited with status 1; restarting in 2 s")
        let org = try Self.org(tools: ["mcp.fake.echo"], calls: [call("mcp.fake.echo", ["text": "hi"])])
        defer { org.remove() }
        try await org.run(ticks: 1, tools: SourcedTools(sources: [source]))
        #expect(
            try results(org, "a", tick: 1).first?.error
                == "mcp.fake.echo is unavailable: it exited with status 1; restarting in 2 s")
        // The prompt said so before the agent called it.
        #expect(
            try userMessage(org, "a", tick: 1).contains(
                "- mcp.fake.echo: unavailable this turn (it exited with status 1; restarting in 2 s)"))
    }

    @Test func aSourceThatRequiresApprovalHoldsEveryCall() async throws {
        let source = FakeSource(namespace: "mcp.fake", requiresApproval: true)
        let org = try Self.org(tools: ["mcp.fake.*"], calls: [call("mcp.fake.echo", ["text": "hi"])])
        defer { org.remove() }
        try await org.run(ticks: 1, tools: SourcedTools(sources: [source]))
        #expect(try results(org, "a", tick: 1).first?.error?.hasPrefix("waiting for the human's approval") == true)
        let request = try #require(try org.entries(of: "a").first { $0.kind == "approval_request" })
        #expect(request.payload["tool"] == "mcp.fake.echo")
    }

    @Test func anAgentIsNotPreparedForToolsItMayNotUse() async throws {
        let source = FakeSource(namespace: "mcp.fake")
        let org = try Self.org(tools: ["calculator"], calls: [call("mcp.fake.echo", ["text": "hi"])])
        defer { org.remove() }
        try await org.run(ticks: 1, tools: SourcedTools(sources: [source]))
        #expect(source.preparations == 0)
        #expect(
            try results(org, "a", tick: 1).first?.error
                == "tool 'mcp.fake.echo' is not permitted for a (its permissions.tools)")
    }

    @Test func aCreatedAgentMayHaveToolsWithinItsCreatorsWildcard() async throws {
        func resume(_ tools: [String]) -> JSONValue {
            var resume = toolAgent("template", tools: tools).resume
            if case .object(var object) = resume {
                object["name"] = nil
                resume = .object(object)
            }
            return resume
        }
        let org = try TemporaryOrg.make(
            agents: [toolAgent("boss", tools: ["create_agent", "mcp.fake.*"], createAgents: true)],
            replies: [
                calls(
                    "boss", tick: 1,
                    [
                        call("create_agent", ["name": "one", "resume": resume(["mcp.fake.echo"])]),
                        call("create_agent", ["name": "all", "resume": resume(["mcp.fake.*"])]),
                        call("create_agent", ["name": "more", "resume": resume(["mcp.other.*"])]),
                    ])
            ])
        defer { org.remove() }
        let sources = [FakeSource(namespace: "mcp.fake"), FakeSource(namespace: "mcp.other")]
        try await org.run(ticks: 1, tools: SourcedTools(sources: sources))
        let outcome = try results(org, "boss", tick: 1)
        #expect(outcome.map(\.success) == [true, true, false], "\(outcome)")
        #expect(outcome[2].error?.contains("more than its creator has: tools mcp.other.*") == true, "\(outcome[2])")
    }
}
