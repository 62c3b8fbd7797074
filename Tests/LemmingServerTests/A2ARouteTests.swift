import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingServer

/// `/.well-known/agent-card.json` and `/a2a` through the router: the API's keys, body limit and
/// JSON-RPC errors for anything wrong (never a 500).
@Suite(.timeLimit(.minutes(1))) struct A2ARouteTests {
    static let key = "test-key-0123456789"
    static let expose: JSONObject = ["a2a": ["expose": ["manager"]]]

    static func send(_ text: String) -> JSONValue {
        [
            "jsonrpc": "2.0", "id": 1, "method": "SendMessage",
            "params": [
                "message": ["messageId": "m-1", "role": "ROLE_USER", "parts": [["text": .string(text)]]],
                "configuration": ["returnImmediately": true],
            ],
        ]
    }

    @Test func theCardOffersTheExposedAgentsAndTheEndpoint() async throws {
        let org = try chatOrg(config: Self.expose)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let card = try await client.call(.get, "/.well-known/agent-card.json")
            #expect(card.status == 200)
            let url = card.json?["supportedInterfaces"]?.arrayValue?.first?["url"]?.stringValue ?? ""
            // The Host the client used (the test client's is `localhost`).
            #expect(url == "http://localhost/a2a")
            #expect(card.json?["skills"]?.arrayValue?.map { $0["id"] } == ["manager"])
            #expect(card.json?["securitySchemes"] == nil)
        }
    }

    @Test func changesNeedTheKeyAndReadsFollowTheReadRule() async throws {
        let org = try chatOrg(config: Self.expose)
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": Self.key]) { client, _ in
            let card = try await client.call(.get, "/.well-known/agent-card.json")
            #expect(card.json?["securityRequirements"] == [["schemes": ["bearer": ["list": []]]]])
            let refused = try await client.call(.post, "/a2a", json: Self.send("Hi"))
            #expect(refused.status == 401)
            #expect(!refused.text.contains(Self.key))
            #expect(try org.entries(of: "human").isEmpty)
            let sent = try await client.call(
                .post, "/a2a", json: Self.send("Hi"), headers: [.authorization: "Bearer \(Self.key)"])
            #expect(sent.json?["result"]?["task"]?["id"] == "00000001-human-01")
            let read = try await client.call(
                .post, "/a2a",
                json: ["jsonrpc": "2.0", "id": 2, "method": "GetTask", "params": ["id": "00000001-human-01"]])
            #expect(read.json?["result"]?["status"]?["state"] == "TASK_STATE_SUBMITTED")
        }
    }

    @Test(arguments: [
        ("{", -32_700), ("[]", -32_600), (#"{"jsonrpc": "2.0", "id": 1, "method": "Nope"}"#, -32_601),
        (#"{"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": "x"}"#, -32_602),
        (#"{"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "00000001-human-01"}}"#, -32_001),
        (#"{"jsonrpc": "2.0", "id": 1, "method": "CancelTask", "params": {"id": 5}}"#, -32_602),
        (#"{"jsonrpc": "2.0", "id": 1, "method": "SubscribeToTask", "params": {"id": "x"}}"#, -32_001),
    ])
    func badRequestsAreJSONRPCErrorsWithStatus200(body: String, code: Int) async throws {
        let org = try chatOrg(config: Self.expose)
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let answer = try await client.call(.post, "/a2a", body: body)
            #expect(answer.status == 200)
            #expect(answer.json?["error"]?["code"] == .int(code), "\(answer.text)")
        }
    }

    @Test func anOtherProtocolVersionAndAnOversizedBodyAreRefused() async throws {
        let org = try chatOrg(config: Self.expose.merging(["server": ["max_body_bytes": 1_024]]))
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let old = try await client.call(
                .post, "/a2a", json: Self.send("Hi"), headers: [HTTPField.Name("A2A-Version")!: "0.3"])
            #expect(old.json?["error"]?["code"] == -32_009)
            let large = try await client.call(.post, "/a2a", json: Self.send(String(repeating: "x", count: 2_000)))
            #expect(large.status == 413)
            #expect(try org.entries(of: "human").isEmpty)
        }
    }
}

extension JSONObject {
    fileprivate func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for (key, value) in other { merged[key] = value }
        return merged
    }
}
