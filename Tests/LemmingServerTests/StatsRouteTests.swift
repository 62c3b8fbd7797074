import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingServer
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct StatsRouteTests {
    @Test func statsAreTheCommandsFiguresFilteredByTheQuery() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            #expect(try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "hi"]).status == 201)
            #expect(try await client.call(.post, "/api/step").status == 200)
            #expect(try await client.call(.post, "/api/step").status == 200)
            let all = try await client.call(.get, "/api/stats")
            #expect(all.status == 200)
            let agents = try #require(all.json?["agents"]?.arrayValue)
            #expect(agents.compactMap { $0["agent"]?.stringValue } == ["manager", "worker"])
            let ledger = try #require(try await client.call(.get, "/api/ledger").json?["accounts"]?.arrayValue)
            #expect(agents.map { $0["turns"] } == ledger.map { $0["turns"] })
            #expect(all.json?["total"]?["turns"] == 4)
            #expect(all.json?["agents"]?.arrayValue?.first?["responses"] == 1)

            let some = try await client.call(.get, "/api/stats?agent=manager&from_tick=2")
            #expect(some.json?["agents"]?.arrayValue?.count == 1)
            #expect(some.json?["agents"]?.arrayValue?.first?["turns"] == 1)
            #expect(some.json?["from_tick"] == 2 && some.json?["to_tick"] == .null)

            let unknown = try await client.call(.get, "/api/stats?agent=ghost")
            #expect(unknown.status == 404 && unknown.errorCode == "not_found")
            let bad = try await client.call(.get, "/api/stats?from_tick=soon")
            #expect(bad.status == 400)
            let empty = try await client.call(.get, "/api/stats?from_tick=3&to_tick=1")
            #expect(empty.status == 400 && empty.errorCode == "bad_request")
        }
    }
}
