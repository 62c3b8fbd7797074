import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingTools

/// `lemming run --dry-run` (issue 15): runs ticks on a scratch copy of the org, with every model
/// answered by the offline simulation and every tool that could reach outside the copy (HTTP,
/// custom tools with the network, MCP servers) answering what it would have been called with, and
/// reports what would happen and what it would cost. The org itself is not changed.
enum DryRun {
    struct Figures {
        var turns = 0
        var failed = 0
        var entries = 0
        var cost = 0.0
    }

    /// Runs `ticks` ticks (or until idle) on a copy of the org at `root` and returns its report.
    static func run(
        root: String, ticks: Int?, untilIdle: Bool, cassette: String?
    ) async throws -> (String, JSONValue) {
        let scratch = NSTemporaryDirectory() + "lemming-dry-run-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileSystem.removeTree(scratch) }
        let made = try OrgCopy.backup(OrgPaths(root: root), into: scratch)
        let environment = ProcessInfo.processInfo.environment
        var tools = EngineFactory.tools(environment: environment)
        tools.toolSources = nil
        let configuration = Engine.Configuration(
            root: scratch, providers: SimulatedProviders(cassette: cassette),
            clock: try EngineFactory.clock(environment: environment), tools: DryRunTools(base: tools))
        var perAgent: [String: Figures] = [:]
        var reports: [TickReport] = []
        let limit = ticks ?? (untilIdle ? 1_000 : 1)
        try await Engine.withEngine(configuration) { engine in
            for _ in 0..<limit {
                let report = try await engine.runTick()
                reports.append(report)
                for turn in report.turns {
                    var figures = perAgent[turn.agent] ?? Figures()
                    figures.turns += 1
                    figures.entries += turn.entries
                    figures.cost += turn.cost
                    if turn.error != nil { figures.failed += 1 }
                    perAgent[turn.agent] = figures
                }
                if untilIdle, report.entriesWritten == 0, await !engine.hasPendingInput() { break }
            }
        }
        let requests = try TemporaryOrgReader(root: scratch).approvalRequests()
        return render(reports: reports, perAgent: perAgent, approvals: requests, from: made.tick, cassette: cassette)
    }

    private static func render(
        reports: [TickReport], perAgent: [String: Figures], approvals: Int, from tick: Int, cassette: String?
    ) -> (String, JSONValue) {
        let total = perAgent.values.reduce(into: Figures()) {
            $0.turns += $1.turns
            $0.failed += $1.failed
            $0.entries += $1.entries
            $0.cost += $1.cost
        }
        var lines = [
            "dry run from tick \(tick + 1): \(reports.count) tick\(reports.count == 1 ? "" : "s"), models \(cassette == nil ? "simulated" : "answered from the cassette"), "
                + "nothing outside a scratch copy touched"
        ]
        for report in reports { lines.append("  " + RunCommand.line(for: report)) }
        let rows = perAgent.keys.sorted(by: Names.precedes).map { agent -> [String] in
            let figures = perAgent[agent] ?? Figures()
            return [
                agent, "\(figures.turns)", "\(figures.failed)", "\(figures.entries)", Terminal.credits(figures.cost),
            ]
        }
        lines.append(
            Table.render(
                header: ["AGENT", "TURNS", "FAILED", "ENTRIES", "COST"],
                rows: rows + [
                    ["total", "\(total.turns)", "\(total.failed)", "\(total.entries)", Terminal.credits(total.cost)]
                ]))
        if approvals > 0 {
            lines.append("\(approvals) tool call\(approvals == 1 ? "" : "s") would wait for your approval")
        }
        lines.append(
            "costs are the models' prices × token counts estimated from the prompts and simulated replies; "
                + "the org is unchanged")
        var agents = JSONObject()
        for (agent, figures) in perAgent {
            agents[agent] = [
                "turns": .int(figures.turns), "failed": .int(figures.failed), "entries": .int(figures.entries),
                "cost": .double(figures.cost),
            ]
        }
        let json: JSONValue = [
            "from_tick": .int(tick + 1), "ticks": .int(reports.count), "turns": .int(total.turns),
            "entries": .int(total.entries), "cost": .double(total.cost), "approval_requests": .int(approvals),
            "agents": .object(agents),
        ]
        return (lines.joined(separator: "\n"), json)
    }
}

/// The tools of a dry run: those that could reach outside the scratch copy answer instead.
struct DryRunTools: ToolFactory {
    let base: BuiltinToolFactory

    func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry {
        let registry = try base.makeRegistry(config: config, org: org)
        let networked = Set(["http_get"] + config.tools.custom.filter(\.allowsNetwork).map(\.name))
        let tools = registry.tools.values.map { tool -> any Tool in
            networked.contains(tool.name) ? NotCalled(wrapping: tool) : tool
        }
        return ToolRegistry(
            tools, approvalRequired: registry.approvalRequired, approvalTimeoutTicks: registry.approvalTimeoutTicks)
    }

    /// A tool that says what it would have been called with.
    struct NotCalled: Tool {
        let name: String
        let summary: String
        let argumentSchema: JSONValue
        var hasExternalEffects: Bool { false }

        init(wrapping tool: any Tool) {
            name = tool.name
            summary = tool.summary
            argumentSchema = tool.argumentSchema
        }

        func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
            ToolOutput(
                .success(
                    name, "(dry run: \(name) was not called; arguments \(JSONValue.object(arguments).compactText))"))
        }
    }
}

/// Reads what a dry run's scratch org holds.
private struct TemporaryOrgReader {
    let root: String

    /// The approval requests its agents posted.
    func approvalRequests() throws -> Int {
        let paths = OrgPaths(root: root)
        var count = 0
        for agent in try FileSystem.list(paths.agents) ?? [] {
            for name in try FileSystem.list(paths.outbox(agent)) ?? [] where name.hasSuffix(".json") {
                let value = try? JSONValue.parse(try FileSystem.read(paths.outbox(agent) + "/" + name))
                if value?["kind"]?.stringValue == "approval_request" { count += 1 }
            }
        }
        return count
    }
}
