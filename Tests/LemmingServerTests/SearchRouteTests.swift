import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingSearch
import LemmingTesting
import Testing

@testable import LemmingServer

@Suite(.timeLimit(.minutes(1))) struct SearchRouteTests {
    static let replies: [ScriptLine] = [
        ScriptLine(
            "manager", tick: 1,
            [
                "outbox_entries": [
                    [
                        "kind": "task", "payload": ["text": "draft the login page"], "to": ["worker"],
                        "priority": "urgent", "tags": ["ui"],
                    ],
                    ["kind": "note", "payload": ["text": "the budget is tight"]],
                ],
                "memory_updates": [["op": "set", "key": "plan", "value": "login page first"]],
                "notes": "planning the login work",
            ]),
        ScriptLine(
            "worker", tick: 2,
            ["outbox_entries": [["kind": "report", "payload": ["text": "login page drafted"]]]]),
    ]

    @Test func searchesEntriesMemoryAndTurnsWithFiltersAndPages() async throws {
        let org = try chatOrg(replies: Self.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...2 { _ = try await client.call(.post, "/api/step") }
            // The events of the steps reach the index before the search answers.
            let all = try await client.call(.get, "/api/search?q=login")
            #expect(all.status == 200)
            let json = try #require(all.json)
            #expect(json["total"] == 4)
            #expect(json["order"] == "relevance")
            #expect(json["index"]?["behind"] == false)
            let results = try #require(json["results"]?.arrayValue)
            #expect(
                Set(results.compactMap { $0["source"]?.stringValue }) == ["entry", "memory", "turn"])
            let entries = try await client.call(.get, "/api/search?q=login&in=entries&order=time")
            #expect(
                entries.json?["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [
                    "00000002-worker-01", "00000001-manager-01",
                ])
            let urgent = try await client.call(
                .get, "/api/search?q=login&in=entries&priority=urgent&recipient=worker&tag=ui&kind=task&agent=manager")
            let hit = try #require(urgent.json?["results"]?.arrayValue?.first)
            #expect(hit["id"] == "00000001-manager-01")
            #expect(hit["snippet"] == ["draft the ", "login", " page"])
            #expect(hit["recipients"] == ["worker"])
            #expect(hit["archived"] == false)
            let memory = try await client.call(.get, "/api/search?q=login&in=memory")
            #expect(memory.json?["results"]?.arrayValue?.first?["key"] == "plan")
            // Pages.
            let first = try await client.call(.get, "/api/search?q=login&limit=3")
            let cursor = try #require(first.json?["next_cursor"]?.stringValue)
            let second = try await client.call(
                .get,
                "/api/search?q=login&limit=3&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            )
            #expect(second.json?["results"]?.arrayValue?.count == 1)
            #expect(second.json?["next_cursor"] == .null)
            // No text: the newest first.
            let listing = try await client.call(.get, "/api/search?in=entries&from_tick=2")
            #expect(listing.json?["results"]?.arrayValue?.first?["id"] == "00000002-worker-01")
            #expect(listing.json?["order"] == "time")
        }
    }

    @Test func badQueriesAreClear400s() async throws {
        let org = try chatOrg(replies: Self.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            _ = try await client.call(.post, "/api/step")
            for (query, field) in [
                ("q=login-page", "q"), ("q=%22open", "q"), ("q=a&in=letters", "in"), ("q=a&order=best", "order"),
                ("q=a&limit=0", "limit"), ("q=a&limit=201", "limit"), ("q=a&cursor=nonsense", "cursor"),
                ("q=a&from_tick=-1", "from_tick"), ("q=a&priority=high", "priority"),
                ("q=a&archived=maybe", "archived"),
            ] {
                let answer = try await client.call(.get, "/api/search?\(query)")
                #expect(answer.status == 400, "\(query): \(answer.text)")
                #expect(answer.json?["error"]?["field"]?.stringValue == field, "\(query): \(answer.text)")
            }
            let bad = try await client.call(.get, "/api/search?q=login-page")
            #expect(bad.errorCode == "bad_query")
            #expect(bad.json?["error"]?["message"]?.stringValue?.contains("double quotes") == true)
        }
    }

    @Test func contentFiltersOfMessagesReachTheArchive() async throws {
        let org = try chatOrg(config: ["outbox_retention_ticks": 1], replies: Self.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...4 { _ = try await client.call(.post, "/api/step") }
            #expect(!FileSystem.exists(org.paths.entry(try #require(EntryID("00000001-manager-01")))))
            let tasks = try await client.call(.get, "/api/messages?kind=task")
            #expect(tasks.json?["messages"]?.arrayValue?.first?["id"] == "00000001-manager-01")
            #expect(tasks.json?["scan_limited"] == false)
            let archived = try await client.call(.get, "/api/search?q=budget")
            #expect(archived.json?["results"]?.arrayValue?.first?["archived"] == true)
            let live = try await client.call(.get, "/api/search?q=budget&archived=false")
            #expect(live.json?["results"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func searchNeedsAKeyBeyondLoopbackLikeOtherReads() async throws {
        let org = try chatOrg(config: ["server": ["reads_need_key": true]], replies: Self.replies)
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": "k-123456789012345678901234"]) { client, _ in
            let denied = try await client.call(.get, "/api/search?q=login")
            #expect(denied.status == 401)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer k-123456789012345678901234"
            let allowed = try await client.call(.get, "/api/search?q=login", headers: headers)
            #expect(allowed.status == 200)
        }
    }

    @Test func anIndexThatIsNotReadyAnswers503() async throws {
        let org = try chatOrg(replies: Self.replies)
        defer { org.remove() }
        let server = try makeServer(org)
        try await server.makeApplication(listeningOn: "127.0.0.1").test(.router) { client in
            let answer = try await client.call(.get, "/api/search?q=login")
            #expect(answer.status == 503)
            #expect(answer.errorCode == "search_starting")
            // Content filters of messages fall back to the folders meanwhile.
            #expect(try await client.call(.get, "/api/messages?kind=task").status == 200)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct MessageByIDTests {
    @Test func anEntryIsFoundInItsOutboxOrTheArchive() async throws {
        let org = try chatOrg(config: ["outbox_retention_ticks": 1], replies: SearchRouteTests.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...4 { _ = try await client.call(.post, "/api/step") }
            let archived = try await client.call(.get, "/api/messages/00000001-manager-01")
            #expect(archived.status == 200)
            #expect(archived.json?["payload"]?["text"] == "draft the login page")
            #expect(archived.json?["archived"] == true)
            let missing = try await client.call(.get, "/api/messages/00000009-manager-01")
            #expect(missing.status == 404)
            let bad = try await client.call(.get, "/api/messages/..%2Fresume")
            #expect(bad.status == 400)
        }
    }

    @Test func aPlusInAQueryIsASpace() async throws {
        let org = try chatOrg(replies: SearchRouteTests.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            for _ in 1...2 { _ = try await client.call(.post, "/api/step") }
            let plus = try await client.call(.get, "/api/search?q=login+NOT+drafted&in=entries")
            #expect(plus.status == 200, "\(plus.text)")
            #expect(plus.json?["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["00000001-manager-01"])
            let encoded = try await client.call(.get, "/api/search?q=%22login%20page%22%2B&in=entries")
            #expect(encoded.status == 400)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SemanticSearchRouteTests {
    @Test func semanticSearchRanksMemoryAndSaysWhatItCost() async throws {
        let org = try chatOrg(config: ["search": ["embeddings": "sim"]], replies: SearchRouteTests.replies)
        defer { org.remove() }
        var configuration = APIServer.Configuration(
            root: org.root, host: "127.0.0.1", port: 0, environment: [:], tools: NoTools(),
            clock: TemporaryOrg.fixedClock, openEngine: { sinks in try await org.engine(sinks: sinks) })
        configuration.semanticMemory = { index, config in
            guard let key = config.search.embeddings else { return nil }
            return SemanticMemory(
                index: index, embedder: ScriptedEmbedder(), model: key,
                pricing: Pricing(inputPerMillion: 1, outputPerMillion: 0, perCall: 0))
        }
        let server = try APIServer(configuration: configuration)
        server.backend.indexer.update()
        try await server.makeApplication(listeningOn: "127.0.0.1").test(.router) { client in
            _ = try await client.call(.post, "/api/step")
            let ledger = try await client.call(.get, "/api/ledger")
            let answer = try await client.call(.get, "/api/search?q=login+page&semantic=true")
            #expect(answer.status == 200, "\(answer.text)")
            let json = try #require(answer.json)
            #expect(json["results"]?.arrayValue?.first?["key"] == "plan")
            #expect(json["embedding"]?["records_embedded"] == 1)
            #expect((json["embedding"]?["cost"]?.doubleValue ?? 0) > 0)
            // Charged to no agent: the ledger did not move.
            let after = try await client.call(.get, "/api/ledger")
            #expect(ledger.text == after.text)
            let noText = try await client.call(.get, "/api/search?semantic=true")
            #expect(noText.status == 400)
            #expect(noText.json?["error"]?["field"] == "q")
        }
    }

    @Test func semanticSearchNeedsEmbeddingsConfigured() async throws {
        let org = try chatOrg(replies: SearchRouteTests.replies)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            _ = try await client.call(.post, "/api/step")
            let answer = try await client.call(.get, "/api/search?q=login&semantic=true")
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?["field"] == "semantic")
        }
    }
}
