import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingServer
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct MutationRouteTests {
    @Test func stepIsRefusedPastMaxTicks() async throws {
        let org = try chatOrg(config: ["max_ticks": 1])
        defer { org.remove() }
        try await withServer(org) { client, _ in
            #expect(try await client.call(.post, "/api/step").status == 200)
            let refused = try await client.call(.post, "/api/step")
            #expect(refused.status == 409)
            #expect(refused.errorCode == "max_ticks")
            #expect(refused.json?["error"]?["message"] == "the org reached max_ticks (1) in lemming.json")
            #expect(try await client.call(.get, "/api/status").json?["next_tick"] == 2)
        }
    }

    @Test func sendThenStepDeliversTheMessage() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let sent = try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "hello"])
            #expect(sent.status == 201)
            #expect(sent.json?["id"]?.stringValue == "00000001-human-01")
            let step = try await client.call(.post, "/api/step")
            #expect(step.status == 200)
            #expect(step.json?["tick"]?.intValue == 1)
            let turn = try await client.call(.get, "/api/agents/manager/turns?limit=1")
            #expect(turn.json?["turns"]?.arrayValue?.first?["inbox"] == ["00000001-human-01"])
            // Agents that do not read the human, bad fields, unknown reply_to.
            let deaf = try await client.call(.post, "/api/messages", json: ["to": "worker", "text": "hi"])
            #expect(deaf.status == 422)
            #expect(deaf.json?["error"]?["field"]?.stringValue == "to")
            #expect(
                try await client.call(.post, "/api/messages", json: ["to": "worker", "text": "hi", "force": true])
                    .status == 201)
            #expect(try await client.call(.post, "/api/messages", json: ["to": "ghost", "text": "hi"]).status == 404)
            // Several recipients: one entry for all of them; each must be able to hear it.
            let both = try await client.call(
                .post, "/api/messages",
                json: ["to": ["manager", "worker", "manager"], "text": "all hands", "force": true])
            #expect(both.status == 201)
            #expect(both.json?["to"] == ["manager", "worker"])
            let written = try org.entries(of: Names.human).first { $0.payload["text"] == "all hands" }
            #expect(written?.recipients == ["manager", "worker"])
            let partly = try await client.call(
                .post, "/api/messages", json: ["to": ["manager", "worker"], "text": "x"])
            #expect(partly.status == 422)
            #expect(try await client.call(.post, "/api/messages", json: ["to": [], "text": "x"]).status == 400)
            #expect(
                try await client.call(.post, "/api/messages", json: ["to": ["manager", 3], "text": "x"]).status == 400)
            #expect(try await client.call(.post, "/api/messages", json: ["to": "manager"]).status == 400)
            #expect(try await client.call(.post, "/api/messages", json: ["to": "manager", "text": 5]).status == 400)
            #expect(
                try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "x", "priority": "now"])
                    .status == 400)
            #expect(
                try await client.call(
                    .post, "/api/messages", json: ["to": "manager", "text": "x", "reply_to": "00000009-worker-01"]
                ).status == 422)
        }
    }

    @Test func pauseResumeAndTopUpChangeTheState() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            #expect(try await client.call(.post, "/api/agents/worker/pause").json?["status"] == "applied")
            #expect(try await client.call(.get, "/api/agents/worker").json?["state"] == "paused")
            #expect(try await client.call(.post, "/api/agents/worker/resume").status == 200)
            #expect(try await client.call(.get, "/api/agents/worker").json?["state"] == "active")
            #expect(try await client.call(.post, "/api/pause").status == 200)
            #expect(try await client.call(.get, "/api/status").json?["paused"] == true)
            #expect(try await client.call(.post, "/api/step").json?["paused"] == true)
            #expect(try await client.call(.post, "/api/resume").status == 200)
            let before = try await client.call(.get, "/api/agents/worker").json?["balance"]?.doubleValue ?? 0
            #expect(try await client.call(.post, "/api/agents/worker/top-up", json: ["amount": 25]).status == 200)
            let after = try await client.call(.get, "/api/agents/worker").json?["balance"]?.doubleValue ?? 0
            #expect(after == before + 25)
            #expect(try await client.call(.post, "/api/agents/worker/top-up", json: ["amount": -1]).status == 400)
            #expect(try await client.call(.post, "/api/agents/ghost/pause").status == 404)
            #expect(try await client.call(.post, "/api/agents/human/pause").status == 404)
        }
    }

    @Test func createAgentAndReplaceResumeAreValidated() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let created = try await client.call(
                .post, "/api/agents", json: ["name": "helper", "title": "Helper", "model": "sim", "reads": ["manager"]])
            #expect(created.status == 201)
            #expect(FileSystem.exists(org.paths.resume("helper")))
            #expect(try await client.call(.post, "/api/agents", json: ["name": "helper"]).status == 409)
            #expect(try await client.call(.post, "/api/agents", json: ["name": "../x"]).status == 400)
            #expect(try await client.call(.post, "/api/agents", json: ["name": "human"]).status == 400)
            let invalid = try await client.call(.post, "/api/agents", json: ["name": "bad", "resume": ["title": 3]])
            #expect(invalid.status == 422)
            #expect(invalid.errorCode == "invalid_resume")
            #expect((invalid.json?["error"]?["details"]?.arrayValue?.count ?? 0) > 1)
            #expect(!FileSystem.exists(org.paths.agent("bad")))
            let names = try await client.call(.get, "/api/agents").json?["agents"]?.arrayValue?.compactMap {
                $0["name"]?.stringValue
            }
            #expect(names?.contains("helper") == true)

            var resume = try #require(try await client.call(.get, "/api/agents/worker").json?["resume"]?.objectValue)
            resume["title"] = "Senior worker"
            let replaced = try await client.call(.put, "/api/agents/worker/resume", json: .object(resume))
            #expect(replaced.status == 200)
            #expect(try await client.call(.get, "/api/agents/worker").json?["title"] == "Senior worker")
            resume["schedule"] = "often"
            let refused = try await client.call(.put, "/api/agents/worker/resume", json: .object(resume))
            #expect(refused.status == 422)
            #expect(try await client.call(.get, "/api/agents/worker").json?["title"] == "Senior worker")
            #expect(try await client.call(.put, "/api/agents/ghost/resume", json: .object(resume)).status == 404)
        }
    }

    @Test func templatesAreNamesNeverPaths() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        // A resume outside templates/ that a path could reach.
        let resume = try #require(try org.read("agents/worker/resume.json"))
        try org.writeBytes("outside/resume.json", resume)
        try org.writeBytes("templates/helper-v2/resume.json", resume)
        try await withServer(org) { client, _ in
            for template in [
                "../outside", "../../outside", "/etc", "helper-v2/../../outside", "\u{0}", "a\u{0}b", ".", "..", "",
            ] {
                let answer = try await client.call(
                    .post, "/api/agents", json: ["name": "spy", "template": .string(template)])
                #expect(answer.status == 400, "\(template.debugDescription): \(answer.text)")
                #expect(answer.json?["error"]?["field"] == "template")
                #expect(!FileSystem.exists(org.paths.agent("spy")))
            }
            let missing = try await client.call(.post, "/api/agents", json: ["name": "spy", "template": "nope"])
            #expect(missing.status == 404)
            let named = try await client.call(.post, "/api/agents", json: ["name": "spy", "template": "helper-v2"])
            #expect(named.status == 201, "\(named.text)")
        }
    }

    @Test func withAnEngineRunningChangesAreQueuedAndStepIsRefused() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let engine = try await org.engine()
        try await withServer(org) { client, _ in
            let sent = try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "later"])
            #expect(sent.status == 202)
            #expect(sent.json?["status"] == "queued")
            #expect(try await client.call(.post, "/api/agents/worker/top-up", json: ["amount": 5]).status == 202)
            let step = try await client.call(.post, "/api/step")
            #expect(step.status == 409)
            #expect(step.errorCode == "engine_running")
        }
        let files = try FileSystem.list(org.paths.commands) ?? []
        #expect(files.filter { $0.hasSuffix(".json") }.count == 2)
        _ = try await engine.runTick()
        await engine.close()
        #expect(try org.entries(of: Names.human).map(\.payload["text"]) == ["later"])
    }

    @Test func approvalsAnswerOnlyPendingRequests() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let answer = try await client.call(.post, "/api/approvals/00000001-manager-01/approve")
            #expect(answer.status == 404)
            #expect(answer.json?["error"]?["message"]?.stringValue?.contains("none is pending") == true)
            #expect(try await client.call(.post, "/api/approvals/x/deny", json: ["reason": 4]).status == 400)
            // Approving takes a reason too (the human's entry carries it).
            #expect(try await client.call(.post, "/api/approvals/x/approve", json: ["reason": 4]).status == 400)
        }
    }
}
