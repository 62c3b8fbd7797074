import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `lemming tools`, `approvals`, `approve` and `deny`, run as the built binary.
@Suite(.timeLimit(.minutes(3)))
struct ToolCommandTests {
    @Test func toolsListsEveryToolWithItsAgents() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let listed = try org.lemming(["tools", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let tools = try #require(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        let byName = Dictionary(
            uniqueKeysWithValues: tools.compactMap { tool in tool["name"]?.stringValue.map { ($0, tool) } })
        #expect(Set(byName.keys) == Set(ToolSettings.builtinNames))
        #expect(byName["shell"]?["agents"] == ["coder"])
        #expect(byName["create_agent"]?["agents"] == ["manager"])
        #expect(byName["file_read"]?["agents"] == ["coder", "manager", "planner", "reviewer"])
        #expect(byName["shell"]?["arguments"]?["required"] == ["program"])
        #expect(tools.allSatisfy { $0["kind"] == "built-in" && $0["requires_approval"] == false })

        let table = try org.lemming(["tools"])
        #expect(table.status == 0)
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("TOOL") == true)
        #expect(table.stdout.contains("shell"))

        let one = try org.lemming(["tools", "shell"])
        #expect(one.status == 0)
        #expect(one.stdout.hasPrefix("shell (built-in)\n"))
        #expect(one.stdout.contains("agents: coder\n"))
        #expect(one.stdout.contains("\"program\""))

        let missing = try org.lemming(["tools", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: no tool named 'nope' (tools: memory_read, "))

        // The default org validates without unknown-tool warnings.
        #expect(try org.lemming(["validate"]).stdout.hasSuffix("\n4 valid agents, 0 errors, 0 warnings\n"))
    }

    @Test func customToolsAndApprovalSettingsAreListed() throws {
        let org = try InitOrg.make(settings: [
            "tools": [
                "require_approval": ["shell"],
                "custom": [["name": "lookup", "description": "Looks up.", "command": ["tools/missing.sh"]]],
            ]
        ])
        defer { org.remove() }
        try org.editJSON("agents/coder/resume.json") { resume in
            resume["permissions"] = ["read_outboxes": ["manager"], "tools": ["lookup", "shell", "ghost"]]
        }
        let listed = try org.lemming(["tools", "--json"])
        let tools = try #require(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        let lookup = try #require(tools.first { $0["name"] == "lookup" })
        #expect(lookup["kind"] == "custom" && lookup["agents"] == ["coder"] && lookup["description"] == "Looks up.")
        #expect(tools.first { $0["name"] == "shell" }?["requires_approval"] == true)
        let table = try org.lemming(["tools"])
        #expect(table.stderr == "warning: coder lists tools that do not exist: ghost\n")
        // validate names the custom tool whose program is missing and the unknown tool.
        let validated = try org.lemming(["validate"])
        #expect(validated.stdout.contains("warning: lemming.json: tools.custom[0].command:"))
        #expect(validated.stdout.contains("no tool named 'ghost'"))
    }

    /// An org whose coder makes scripted tool calls, two of them needing approval.
    static func scriptedOrg() throws -> InitOrg {
        let org = try InitOrg.make(settings: ["tools": ["require_approval": ["file_write"]]])
        let reply: JSONValue = [
            "tool_calls": [
                ["tool": "file_write", "args": ["path": "approved.txt", "content": "yes"]],
                ["tool": "file_write", "args": ["path": "denied.txt", "content": "no"]],
            ]
        ]
        let line: JSONValue = ["agent": "coder", "tick": 1, "reply": reply]
        try FileSystem.writeAtomically(Array((line.compactText + "\n").utf8), to: org.path("replies.jsonl"))
        try org.editJSON("models.json") { models in
            models["sim"] = ["provider": "scripted", "replies": "replies.jsonl"]
        }
        return org
    }

    @Test func approveAndDenyAnswerWaitingCalls() throws {
        let org = try Self.scriptedOrg()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        #expect(!org.exists("agents/coder/workspace/approved.txt"))

        let listed = try org.lemming(["approvals", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let pending = try #require(try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue)
        #expect(pending.count == 2)
        #expect(pending.allSatisfy { $0["agent"] == "coder" && $0["tool"] == "file_write" })
        let approved = try #require(pending[0]["request"]?.stringValue)
        let denied = try #require(pending[1]["request"]?.stringValue)
        let table = try org.lemming(["approvals"])
        #expect(table.stdout.contains(approved) && table.stdout.contains("file_write"))
        #expect(try org.lemming(["status"]).stdout.contains("warning: coder has 2 tool calls waiting for approval"))

        let bogus = try org.lemming(["approve", "00000009-coder-01"])
        #expect(bogus.status == 1)
        #expect(
            bogus.stderr
                == "error: no tool call waits for approval under '00000009-coder-01' (pending: \(approved), \(denied))\n"
        )

        let approval = try org.lemming(["approve", approved])
        #expect(approval.status == 0, "\(approval.stderr)")
        #expect(approval.stdout == "approved \(approved): coder's file_write call runs at the next tick\n")
        let denial = try org.lemming(["deny", denied, "--reason", "not now"])
        #expect(denial.stdout == "denied \(denied): coder is told at the next tick\n")
        // The answers are entries of human, replying to the requests.
        let answers = try org.list("agents/human/outbox").filter { $0.hasSuffix(".json") }
        #expect(answers.count == 2)

        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        #expect(try FileSystem.read(org.path("agents/coder/workspace/approved.txt")) == Array("yes".utf8))
        #expect(!org.exists("agents/coder/workspace/denied.txt"))
        #expect(try org.lemming(["approvals"]).stdout == "no tool calls are waiting for approval\n")
    }
}
