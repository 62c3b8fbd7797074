import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@testable import LemmingServer

/// What the dashboard reads besides the engine's resources (issue 12): typed alerts in
/// `/api/status` and the org's agent templates.
@Suite(.timeLimit(.minutes(1))) struct AlertAndTemplateTests {
    /// An org with a problem of most kinds.
    static func troubledOrg() async throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("manager", reads: ["human"]), TestAgent("worker", reads: ["manager"]), TestAgent("loner"),
                TestAgent("broke", reads: ["human"], maxCredits: 0.0002, softCap: 0.0001),
            ],
            replies: [.message("manager", tick: 1, "for the loner", to: ["loner"])])
        try await org.run(ticks: 2)
        var bad = try #require(TestAgent("bad", reads: ["manager"]).resume.objectValue)
        bad["model"] = ["key": "no_such_model"]
        try org.write("agents/bad/resume.json", .object(bad))
        try org.writeBytes("state/cursors.json", Array("{\"not\": json".utf8))
        return org
    }

    @Test func statusTypesEachAlertAndItsWarningIsItsMessage() async throws {
        let org = try await Self.troubledOrg()
        defer { org.remove() }
        let status = try OrgStatus.read(root: org.root)
        let kinds = Set(status.alerts.map { "\($0.kind.rawValue) \($0.agent ?? "-")" })
        #expect(
            kinds == [
                "state_problem -", "unread_agent worker", "unread_agent loner", "unreachable_agent loner",
                "unread_agent broke", "budget_exhausted broke", "entries_undeliverable manager", "resume_invalid bad",
            ])
        #expect(status.warnings == status.alerts.map(\.message))
        #expect(status.warnings.contains("manager wrote 1 entry addressed to agents that cannot read it"))
        #expect(status.alerts.first { $0.kind == .stateProblem }?.message.hasPrefix("state/cursors.json") == true)
        // The kinds are a contract with the dashboard.
        #expect(
            OrgStatus.Alert.Kind.allCases.map(\.rawValue) == [
                "config_invalid", "state_problem", "resume_invalid", "budget_exhausted", "loop_detected",
                "unusable_replies", "approvals_waiting", "entries_undeliverable", "unread_agent", "unreachable_agent",
                "circuit_open",
            ])

        try await withServer(org) { client, _ in
            let json = try #require(try await client.call(.get, "/api/status").json)
            #expect(json["alerts"] == .array(status.alerts.map(\.json)))
            #expect(json["warnings"] == .strings(status.warnings))
            let alert = try #require(json["alerts"]?.arrayValue?.first { $0["kind"] == "budget_exhausted" })
            #expect(alert.objectValue.map { Set($0.keys) } == ["kind", "agent", "message"])
            #expect(alert["agent"] == "broke")
            #expect(json["alerts"]?.arrayValue?.first { $0["kind"] == "state_problem" }?["agent"] == .null)
        }
    }

    @Test func templatesAreListedForCreatingAnAgentFromOne() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try org.write(
            "templates/reviewer/resume.json",
            [
                "name": "reviewer", "title": "Reviewer", "short_description": "Reviews the coder's changes.",
                "instructions": "Review.", "model": ["key": "sim"], "permissions": ["read_outboxes": ["manager"]],
                "schedule": ["run_every_n_ticks": 2],
            ])
        try org.write("templates/analyst/resume.json", ["title": "Analyst", "model": ["key": "sim"]])
        try org.writeBytes("templates/broken/resume.json", Array("[1, 2]".utf8))
        try org.writeBytes("templates/Not_A_Name/resume.json", Array("{}".utf8))
        try FileSystem.makeDirectory(org.root + "/templates/empty")
        try await withServer(org) { client, _ in
            let answer = try await client.call(.get, "/api/templates")
            #expect(answer.status == 200)
            #expect(
                answer.json == [
                    "templates": [
                        [
                            "name": "analyst", "title": "Analyst", "short_description": nil, "model": "sim",
                            "problem": nil,
                        ],
                        [
                            "name": "broken", "title": nil, "short_description": nil, "model": nil,
                            "problem": "templates/broken/resume.json is not a JSON object",
                        ],
                        [
                            "name": "reviewer", "title": "Reviewer",
                            "short_description": "Reviews the coder's changes.",
                            "model": "sim", "problem": nil,
                        ],
                    ]
                ])
            let created = try await client.call(
                .post, "/api/agents", json: ["name": "checker", "template": "reviewer"])
            #expect(created.status == 201, "\(created.text)")
        }
        #expect(try org.readJSON("agents/checker/resume.json")?["title"] == "Reviewer")
        // An org without templates/ has none.
        let bare = try chatOrg()
        defer { bare.remove() }
        try await withServer(bare) { client, _ async throws in
            #expect(try await client.call(.get, "/api/templates").json == ["templates": []])
        }
    }
}
