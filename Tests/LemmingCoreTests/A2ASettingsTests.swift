import LemmingJSON
import Testing

@testable import LemmingCore

/// `a2a` in `lemming.json`: remote agents by name, their tools' names in `tools.require_approval`.
@Suite struct A2ASettingsTests {
    static func read(_ document: JSONObject) -> (OrgConfig, [ValidationIssue]) {
        OrgConfig.parse(JSONWriter().bytes(.object(document)), defaultName: "acme")
    }

    @Test func remoteAgentsAreReadSortedWithTheirHeaderVariables() {
        let (config, issues) = Self.read([
            "a2a": [
                "expose": ["manager"],
                "agents": [
                    "zeta": ["url": "https://z.example/agent"],
                    "alpha": [
                        "url": "http://127.0.0.1:9", "headers_env": ["Authorization": "ALPHA_AUTH"],
                        "requires_approval": true,
                    ],
                ],
            ],
            "tools": ["require_approval": ["a2a.zeta"]],
        ])
        #expect(issues.filter(\.isError).isEmpty, "\(issues)")
        #expect(config.a2a.expose == ["manager"])
        #expect(config.a2a.agents.map(\.toolName) == ["a2a.alpha", "a2a.zeta"])
        #expect(config.a2a.agents.first?.headersFromEnvironment == ["Authorization": "ALPHA_AUTH"])
        #expect(config.a2a.agents.first?.requiresApproval == true)
        #expect(config.a2a.agent(tool: "a2a.zeta")?.timeoutSeconds == 120)
        #expect(config.tools.requireApproval == ["a2a.zeta"])
    }

    @Test func anApprovalOfAnUndeclaredRemoteAgentIsAnError() {
        let (config, issues) = Self.read(["tools": ["require_approval": ["a2a.nobody"]]])
        #expect(issues.contains { $0.field == "tools.require_approval[0]" && $0.rule == "unknown_tool" })
        #expect(config.tools.requireApproval.isEmpty)
    }

    @Test func aRemoteAgentWithAnErrorIsLeftOut() {
        let (config, issues) = Self.read([
            "a2a": ["agents": ["bad": ["url": "https://user:pw@x.example"], "good": ["url": "https://x.example"]]]
        ])
        #expect(issues.contains { $0.field == "a2a.agents.bad.url" && $0.isError })
        #expect(config.a2a.agents.map(\.name) == ["good"])
    }
}
