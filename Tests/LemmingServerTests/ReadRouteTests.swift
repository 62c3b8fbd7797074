import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingServer
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct ReadRouteTests {
    @Test func statusAgentsAndDetailReflectTheOrg() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let sent = try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "hello"])
            #expect(sent.status == 201)
            #expect(try await client.call(.post, "/api/step").status == 200)
            let status = try await client.call(.get, "/api/status")
            #expect(status.status == 200)
            #expect(status.json?["next_tick"]?.intValue == 2)
            #expect(status.json?["agents"]?.arrayValue?.count == 2)
            let turns = status.json?["agents"]?.arrayValue?.compactMap { $0["turns"]?.intValue }.reduce(0, +)
            #expect(status.json?["totals"]?["turns"]?.intValue == turns)
            let all = try await client.call(.get, "/api/messages?limit=500")
            #expect(status.json?["totals"]?["entries"]?.intValue == all.json?["messages"]?.arrayValue?.count)
            #expect((all.json?["messages"]?.arrayValue?.count ?? 0) > 0)
            let agents = try await client.call(.get, "/api/agents")
            let names = agents.json?["agents"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["manager", "worker", "human"])
            let manager = try await client.call(.get, "/api/agents/manager")
            #expect(manager.json?["read_by"]?.arrayValue?.compactMap(\.stringValue).contains("worker") == true)
            #expect(manager.json?["resume"]?["name"]?.stringValue == "manager")
            #expect(manager.json?["turns"]?.arrayValue?.count == 1)
            #expect(manager.json?["next_fire_tick"]?.intValue == 2)
            #expect(try await client.call(.get, "/api/agents/nobody").status == 404)
            // Names that are paths never reach the file system.
            for name in ["..", "..%2F..", "%2Fetc", "manager%2F..%2F..", "HUMAN"] {
                let answer = try await client.call(.get, "/api/agents/\(name)/memory")
                #expect(answer.status == 404, "\(name)")
                #expect(answer.errorCode == "not_found" || answer.errorCode == "no_route")
            }
        }
    }

    @Test func anInvalidResumeIsShownAsItIsOnDiskWithItsIssues() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        var resume = try #require(try org.readJSON("agents/worker/resume.json")?.objectValue)
        resume["schedule"] = ["run_every_n_ticks": 0]
        try org.write("agents/worker/resume.json", .object(resume))
        try await withServer(org) { client, _ in
            let worker = try await client.call(.get, "/api/agents/worker")
            #expect(worker.status == 200)
            #expect(worker.json?["resume"]?["schedule"]?["run_every_n_ticks"] == 0)
            let errors = try #require(worker.json?["errors"]?.arrayValue)
            #expect(errors.contains { $0["field"]?.stringValue?.contains("run_every_n_ticks") == true })
            // Not a JSON object: no resume, the issue says why.
            try org.writeBytes("agents/worker/resume.json", Array("{not json".utf8))
            let broken = try await client.call(.get, "/api/agents/worker")
            #expect(broken.json?["resume"] == .null)
            #expect(broken.json?["errors"]?.arrayValue?.isEmpty == false)
        }
    }

    @Test func outboxMemoryTurnsAndLogsArePaged() async throws {
        let replies = (1...5).map { tick in
            ScriptLine(
                "manager", tick: tick,
                [
                    "outbox_entries": [["kind": "note", "payload": ["text": .string("note \(tick)")]]],
                    "memory_updates": [["op": "set", "key": .string("k\(tick)"), "value": .int(tick)]],
                ])
        }
        let org = try chatOrg(replies: replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...5 { #expect(try await client.call(.post, "/api/step").status == 200) }
            let first = try await client.call(.get, "/api/agents/manager/outbox?limit=2")
            let ids = first.json?["messages"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["00000005-manager-01", "00000004-manager-01"])
            let cursor = try #require(first.json?["next_cursor"]?.stringValue)
            let second = try await client.call(.get, "/api/agents/manager/outbox?limit=10&before=\(cursor)")
            #expect(second.json?["messages"]?.arrayValue?.count == 3)
            #expect(second.json?["next_cursor"] == .null)

            let memory = try await client.call(.get, "/api/agents/manager/memory")
            #expect(memory.json?["memory"]?.arrayValue?.count == 5)

            let turns = try await client.call(.get, "/api/agents/manager/turns?limit=2")
            let ticks = turns.json?["turns"]?.arrayValue?.compactMap { $0["tick"]?.intValue }
            #expect(ticks == [5, 4])
            #expect(turns.json?["turns"]?.arrayValue?.first?["request"] != nil)
            let older = try await client.call(.get, "/api/agents/manager/turns?limit=2&before_tick=4&summary=true")
            #expect(older.json?["turns"]?.arrayValue?.compactMap { $0["tick"]?.intValue } == [3, 2])
            #expect(older.json?["turns"]?.arrayValue?.first?["request"] == nil)

            let logs = try await client.call(.get, "/api/agents/manager/logs?limit=3")
            let events = try #require(logs.json?["events"]?.arrayValue)
            #expect(events.count == 3)
            #expect(events.allSatisfy { $0["agent"]?.stringValue == "manager" })
            let sequences = events.compactMap { $0["seq"]?.intValue }
            #expect(sequences == sequences.sorted(by: >))

            #expect(try await client.call(.get, "/api/agents/manager/turns?limit=0").status == 400)
            #expect(try await client.call(.get, "/api/agents/manager/outbox?before=nonsense").status == 400)
        }
    }

    @Test func messagesFilterByAgentKindRecipientThreadPriorityAndTicks() async throws {
        let replies = [
            ScriptLine(
                "manager", tick: 1,
                [
                    "outbox_entries": [
                        ["kind": "task", "payload": ["text": "do it"], "to": ["worker"], "priority": "urgent"],
                        ["kind": "note", "payload": ["text": "for all"]],
                    ]
                ]),
            ScriptLine(
                "worker", tick: 2,
                [
                    "outbox_entries": [
                        ["kind": "report", "payload": ["text": "done"], "reply_to": "00000001-manager-01"]
                    ]
                ]),
        ]
        let org = try chatOrg(replies: replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...3 { _ = try await client.call(.post, "/api/step") }
            func ids(_ query: String) async throws -> [String] {
                let answer = try await client.call(.get, "/api/messages?\(query)")
                #expect(answer.status == 200, "\(query)")
                return answer.json?["messages"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(try await ids("") == ["00000002-worker-01", "00000001-manager-02", "00000001-manager-01"])
            #expect(try await ids("agent=manager") == ["00000001-manager-02", "00000001-manager-01"])
            #expect(try await ids("kind=task,report") == ["00000002-worker-01", "00000001-manager-01"])
            #expect(try await ids("recipient=worker") == ["00000001-manager-01"])
            #expect(try await ids("thread=00000001-manager-01") == ["00000002-worker-01", "00000001-manager-01"])
            #expect(try await ids("from_tick=2&to_tick=2") == ["00000002-worker-01"])
            #expect(try await ids("priority=urgent") == ["00000001-manager-01"])
            #expect(try await ids("priority=normal,low") == ["00000002-worker-01", "00000001-manager-02"])
            #expect(try await client.call(.get, "/api/messages?priority=high").status == 400)
            #expect(try await ids("to_tick=1&limit=1") == ["00000001-manager-02"])
            let page = try await client.call(.get, "/api/messages?limit=1&before=00000001-manager-02")
            #expect(page.json?["messages"]?.arrayValue?.first?["id"]?.stringValue == "00000001-manager-01")
            #expect(try await client.call(.get, "/api/messages?from_tick=-3").status == 400)
        }
    }

    @Test func ledgerGraphModelsToolsTicksAndApprovals() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let secret = "sk-test-SECRET-value-123"
        try await withServer(org, environment: ["OPENAI_API_KEY": secret]) { client, _ in
            _ = try await client.call(.post, "/api/step")
            let ledger = try await client.call(.get, "/api/ledger")
            let accounts = try #require(ledger.json?["accounts"]?.arrayValue)
            #expect(accounts.compactMap { $0["agent"]?.stringValue } == ["manager", "worker"])
            #expect((ledger.json?["total_spent"]?.doubleValue ?? 0) > 0)

            let graph = try await client.call(.get, "/api/graph")
            let edges = graph.json?["edges"]?.arrayValue ?? []
            #expect(edges.contains(["from": "manager", "to": "worker"]))
            #expect(edges.contains(["from": "human", "to": "manager"]))

            let models = try await client.call(.get, "/api/models")
            #expect(!models.text.contains(secret))
            let openAI = models.json?["models"]?.arrayValue?.first { $0["provider"]?.stringValue == "openai" }
            #expect(openAI?["api_key_present"]?.boolValue == true)
            #expect(openAI?["api_key_env"]?.stringValue == "OPENAI_API_KEY")

            let tools = try await client.call(.get, "/api/tools")
            #expect(tools.json?["tools"]?.arrayValue == [])

            let ticks = try await client.call(.get, "/api/ticks")
            let tick = try #require(ticks.json?["ticks"]?.arrayValue?.first)
            #expect(tick["tick"]?.intValue == 1)
            #expect(tick["finished"]?.boolValue == true)
            #expect(tick["turns"]?.arrayValue?.compactMap { $0["agent"]?.stringValue } == ["manager", "worker"])

            let approvals = try await client.call(.get, "/api/approvals")
            #expect(approvals.json?["approvals"]?.arrayValue == [])
        }
    }
}
