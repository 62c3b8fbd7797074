import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingProviders
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct NetworkTurnTests {
    static let secret = "sk-test-SECRET-4242"

    static func org(server: FakeModelServer, extra: JSONObject = [:]) throws -> TemporaryOrg {
        var entry: JSONObject = [
            "provider": "openai_compatible", "model": "tiny", "base_url": .string(server.baseURL),
            "api_key_env": "TEST_MODEL_KEY", "price_in_per_mtok": 1.0, "price_out_per_mtok": 2.0,
            "timeout_seconds": 5,
        ]
        for (key, value) in extra { entry[key] = value }
        return try TemporaryOrg.make(
            agents: [TestAgent("worker", reads: ["human"], model: "remote")], models: ["remote": .object(entry)])
    }

    static func engine(_ org: TemporaryOrg, sinks: [any EventSink] = []) async throws -> Engine {
        try await org.engine(
            sinks: sinks,
            // Retry delays (under a second) pass at once; the 5 s call deadlines still wait.
            providers: ProviderFactory(
                environment: ["TEST_MODEL_KEY": secret], clock: ManualClock(skipping: .seconds(1))))
    }

    @Test func aTurnOnANetworkModelIsChargedForTheReportedTokens() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            let org = try Self.org(server: server)
            defer { org.remove() }
            server.enqueue(
                .text(
                    #"{"outbox_entries":[{"payload":{"text":"on it"},"to":["human"]}]}"#, inputTokens: 500,
                    outputTokens: 50))
            try await send(org, to: ["worker"], "Start, please.")
            let engine = try await Self.engine(org)
            let report = try await engine.runTick()
            await engine.close()
            #expect(report.turns.map(\.stopReason) == [.completed])
            let record = try #require(try org.turnRecords(of: "worker").first)
            #expect(record["usage"] == ["input_tokens": 500, "output_tokens": 50, "estimated": false])
            #expect(record["cost"]?.doubleValue == Credits.round(500 * 1.0 / 1_000_000 + 50 * 2.0 / 1_000_000))
            #expect(try org.entries(of: "worker").map(\.text) == ["on it"])
            let request = try #require(server.requests.first?.body)
            #expect(request["max_tokens"] == 1024)
            #expect(request["temperature"] == 0.2)
            #expect(server.requests.first?.header("Authorization") == "Bearer \(Self.secret)")
        }
    }

    @Test func theKeyAppearsInNoFileEventOrOutputEvenWhenTheServerEchoesIt() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            let org = try Self.org(server: server)
            defer { org.remove() }
            server.whenIdle(.unauthorized)
            let recorder = EventRecorder()
            let engine = try await Self.engine(org, sinks: [recorder])
            let report = try await engine.runTick()
            await engine.close()
            #expect(report.turns.map(\.stopReason) == [.providerFailed])
            #expect(report.turns.first?.error?.contains("check the API key") == true)
            for (path, bytes) in try org.files() {
                #expect(String(decoding: bytes, as: UTF8.self).contains(Self.secret) == false, "the key is in \(path)")
            }
            for event in recorder.events {
                #expect(event.json.compactText.contains(Self.secret) == false, "the key is in a \(event.kind) event")
            }
            let message = report.turns.first?.error ?? ""
            #expect(message.contains(Self.secret) == false)
            #expect(message.contains("[redacted]"))
        }
    }

    @Test func aFallbackModelAnswersWhenTheFirstFailsAndPricesTheTurn() async throws {
        try await FakeModelServer.with(format: .openAI) { primary in
            try await FakeModelServer.with(format: .ollama) { backup in
                primary.whenIdle(.status(503))
                backup.enqueue(.text(#"{"notes":"backup here"}"#, inputTokens: 100, outputTokens: 10))
                let org = try TemporaryOrg.make(
                    agents: [TestAgent("worker", model: "main")],
                    models: [
                        "main": [
                            "provider": "openai_compatible", "model": "big", "base_url": .string(primary.baseURL),
                            "fallback": ["spare"], "price_in_per_mtok": 10.0, "max_retries": 1,
                        ],
                        "spare": [
                            "provider": "ollama", "model": "small", "base_url": .string(backup.baseURL),
                            "price_in_per_mtok": 1.0,
                        ],
                    ])
                defer { org.remove() }
                let engine = try await Self.engine(org)
                let report = try await engine.runTick()
                await engine.close()
                #expect(report.turns.map(\.stopReason) == [.completed])
                let record = try #require(try org.turnRecords(of: "worker").first)
                #expect(record["model"]?["served_by"] == "spare")
                #expect(record["model"]?["provider"] == "ollama")
                #expect(record["cost"]?.doubleValue == Credits.round(100 * 1.0 / 1_000_000))
                #expect(primary.requests.count == 2)
                #expect(backup.requests.count == 1)
            }
        }
    }

    @Test func anOpenCircuitIsWrittenForStatusAndFailsTurnsWithoutCalling() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            let org = try Self.org(server: server, extra: ["max_retries": 0])
            defer { org.remove() }
            server.whenIdle(.status(500))
            let engine = try await Self.engine(org)
            for _ in 0..<6 { _ = try await engine.runTick() }
            await engine.close()
            #expect(server.requests.count == 5)
            let status = try OrgStatus.read(root: org.root)
            let endpoint = try #require(status.providers.first)
            #expect(endpoint.endpoint == server.baseURL)
            #expect(endpoint.state == .open)
            #expect(status.warnings.contains { $0.hasPrefix("the circuit of \(server.baseURL) is open") })
            let last = try #require(try org.turnRecords(of: "worker").last)
            #expect(last["error"]?.stringValue?.hasPrefix("circuit_open") == true)
        }
    }
}
