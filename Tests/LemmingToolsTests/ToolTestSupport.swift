import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import LemmingTools
import Testing

/// An agent that may call `tools`.
func toolAgent(
    _ name: String, tools: [String], reads: [String] = [], createAgents: Bool = false, maxCredits: Double = 1000,
    every: Int = 1
) -> TestAgent {
    TestAgent(
        name, every: every, maxCredits: maxCredits,
        extra: [
            "permissions": [
                "read_outboxes": .strings(reads), "tools": .strings(tools), "create_agents": .bool(createAgents),
            ]
        ])
}

/// A tool call of a reply.
func call(_ tool: String, _ arguments: JSONObject = [:]) -> JSONValue {
    ["tool": .string(tool), "args": .object(arguments)]
}

/// A script line whose reply makes these tool calls.
func calls(_ agent: String, tick: Int, _ toolCalls: [JSONValue]) -> ScriptLine {
    ScriptLine(agent, tick: tick, ["tool_calls": .array(toolCalls)])
}

/// The environment tools run with in tests: the system's `PATH` (not a developer's version
/// manager shims, which live in a home folder the sandbox does not show), and the launcher.
let testEnvironment = TestSandbox.environment(["PATH": "/usr/local/bin:/usr/bin:/bin"])

/// Runs `ticks` ticks with the built-in tools and closes the engine.
@discardableResult
func runWithTools(
    _ org: TemporaryOrg, ticks: Int, environment: [String: String] = testEnvironment, sinks: [any EventSink] = []
) async throws -> [TickReport] {
    try await org.run(
        ticks: ticks, tools: BuiltinToolFactory(environment: TestSandbox.environment(environment)), sinks: sinks)
}

/// One tool result as recorded in a turn record.
struct RecordedResult: Equatable, CustomStringConvertible {
    var tool: String
    var success: Bool
    var output: String
    var error: String?
    var truncated: Bool

    init(_ json: JSONValue) {
        tool = json["tool"]?.stringValue ?? ""
        success = json["success"]?.boolValue ?? false
        output = json["output"]?.stringValue ?? ""
        error = json["error"]?.stringValue
        truncated = json["truncated"]?.boolValue ?? false
    }

    var description: String { "\(tool) \(success ? "ok" : "failed: \(error ?? "")") \(output.prefix(200))" }
}

/// The tool results of `agent`'s turn at `tick`, from its turn record.
func results(_ org: TemporaryOrg, _ agent: String, tick: Int) throws -> [RecordedResult] {
    let record = try #require(try org.turnRecords(of: agent).first { $0["tick"]?.intValue == tick })
    return (record["tool_results"]?.arrayValue ?? []).map(RecordedResult.init)
}

/// The user message `agent` was sent at `tick`.
func userMessage(_ org: TemporaryOrg, _ agent: String, tick: Int) throws -> String {
    let record = try #require(try org.turnRecords(of: agent).first { $0["tick"]?.intValue == tick })
    let messages = record["request"]?["messages"]?.arrayValue ?? []
    return messages.last?["content"]?.stringValue ?? ""
}

extension TemporaryOrg {
    /// Text of an org-relative file, or `nil`.
    func text(_ relativePath: String) throws -> String? {
        try read(relativePath).map { String(decoding: $0, as: UTF8.self) }
    }
}
