import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `lemming validate` and `lemming tools` on an org's A2A settings (issue 14 §3).
@Suite(.timeLimit(.minutes(2))) struct A2ACommandTests {
    @Test func validateWarnsAboutExposedAgentsThatCannotAnswer() throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("manager", reads: ["human"]), TestAgent("mute")],
            config: ["a2a": ["expose": ["manager", "mute", "ghost"]]])
        defer { org.remove() }
        let result = try Lemming.run(["validate", "--json", "--org", org.root])
        #expect(result.status == 0, "\(result.stderr)")
        let issues = try JSONValue.parse(result.stdout)["issues"]?.arrayValue ?? []
        let found = issues.filter { $0["field"]?.stringValue?.hasPrefix("a2a.") == true }.map {
            [$0["field"]?.stringValue ?? "", $0["rule"]?.stringValue ?? ""]
        }
        #expect(found == [["a2a.expose[1]", "not_listening"], ["a2a.expose[2]", "unknown_agent"]])
    }

    @Test func toolsListsRemoteAgentsWithTheirApprovals() throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("manager", reads: ["human"], extra: ["permissions": ["tools": ["a2a.oracle"]]])],
            config: [
                "a2a": ["agents": ["oracle": ["url": "http://127.0.0.1:9", "requires_approval": true]]]
            ])
        defer { org.remove() }
        let result = try Lemming.run(["tools", "--json", "--org", org.root])
        #expect(result.status == 0, "\(result.stderr)")
        let tools = try JSONValue.parse(result.stdout).arrayValue ?? []
        let oracle = try #require(tools.first { $0["name"] == "a2a.oracle" })
        #expect(oracle["kind"] == "a2a")
        #expect(oracle["requires_approval"] == true)
        #expect(oracle["agents"] == ["manager"])
        #expect(oracle["arguments"]?["required"] == ["text"])
    }
}
