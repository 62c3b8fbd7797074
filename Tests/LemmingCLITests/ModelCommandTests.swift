import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct ModelCommandTests {
    static func org(models: JSONObject) throws -> String {
        let directory = try temporaryDirectory()
        _ = try Lemming.run(["init", "."], in: directory)
        let path = directory + "/models.json"
        var registry = try #require(try JSONValue.parse(try FileSystem.read(path)).objectValue)
        for (key, value) in models { registry[key] = value }
        try FileSystem.writeAtomically(JSONWriter().bytes(.object(registry)), to: path)
        return directory
    }

    static func useModel(_ key: String, for agent: String, in directory: String) throws {
        let path = directory + "/agents/\(agent)/resume.json"
        var resume = try #require(try JSONValue.parse(try FileSystem.read(path)).objectValue)
        resume["model"] = ["key": .string(key)]
        try FileSystem.writeAtomically(JSONWriter().bytes(.object(resume)), to: path)
    }

    @Test func modelsShowsWhetherAKeyIsSetButNeverItsValue() throws {
        let directory = try Self.org(models: [
            "remote": [
                "provider": "openai", "model": "gpt-4o-mini", "api_key_env": "MY_TEST_KEY", "price_in_per_mtok": 0.15,
            ]
        ])
        defer { try? FileSystem.removeTree(directory) }
        try Self.useModel("remote", for: "coder", in: directory)
        let secret = "sk-test-VALUE-9999"
        let withKey = try Lemming.run(["models", "--json"], in: directory, environment: ["MY_TEST_KEY": secret])
        #expect(withKey.status == 0)
        #expect(!withKey.stdout.contains(secret))
        let rows = try #require(try JSONValue.parse(withKey.stdout).arrayValue)
        let remote = try #require(rows.first { $0["key"] == "remote" })
        #expect(remote["api_key_env"] == "MY_TEST_KEY")
        #expect(remote["api_key_present"] == true)
        #expect(remote["used_by"] == ["coder"])
        #expect(remote["price_in_per_mtok"] == 0.15)
        #expect(rows.contains { $0["key"] == "gpt-4o" && $0["max_context_tokens"] == 128_000 })
        let without = try Lemming.run(["models", "--used"], in: directory)
        #expect(without.stdout.contains("MY_TEST_KEY missing"))
        #expect(without.stdout.split(separator: "\n").count == 3)
    }

    @Test func doctorSendsOneMinimalRequestPerModelAndReportsFailures() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            let directory = try Self.org(models: [
                "remote": [
                    "provider": "openai_compatible", "model": "tiny", "base_url": .string(server.baseURL),
                    "max_retries": 0, "timeout_seconds": 5,
                ]
            ])
            defer { try? FileSystem.removeTree(directory) }
            try Self.useModel("remote", for: "manager", in: directory)
            server.enqueue(.text(#"{"notes": "ok"}"#, inputTokens: 30, outputTokens: 6))
            let healthy = try await Lemming.runOffPool(["doctor"], in: directory)
            #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
            let lines = healthy.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("ok   remote [openai_compatible]") && $0.contains("30 + 6 tokens") })
            #expect(lines.contains { $0.hasPrefix("ok   sim [scripted]") })
            let request = try #require(server.requests.first?.body)
            #expect(request["max_tokens"] == 16)
            #expect(server.requests.count == 1)

            server.whenIdle(.status(500, message: "the model fell over"))
            let failing = try await Lemming.runOffPool(["doctor", "--model", "remote", "--json"], in: directory)
            #expect(failing.status == 1)
            let report = try JSONValue.parse(failing.stdout)
            #expect(report["ok"] == false)
            let check = try #require(report["checks"]?.arrayValue?.first)
            #expect(check["key"] == "remote")
            #expect(check["ok"] == false)
            #expect(check["detail"]?.stringValue?.contains("HTTP 500") == true)

            let unknown = try Lemming.run(["doctor", "--model", "nope"], in: directory)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.hasPrefix("error: --model: no model 'nope' in the registry"))
        }
    }

    @Test func doctorNeitherRecordsNorAsksACassetteAndSaysWhatItHolds() throws {
        let directory = try Self.org(models: [
            "sim": ["provider": "scripted", "record": "cassettes/run.jsonl"],
            "replay": ["provider": "cassette", "cassette": "cassettes/run.jsonl", "mode": "lenient"],
        ])
        defer { try? FileSystem.removeTree(directory) }
        #expect(try Lemming.run(["run", "--ticks", "1"], in: directory).status == 0)
        let recorded = try #require(try FileSystem.readIfPresent(directory + "/cassettes/run.jsonl"))
        #expect(recorded.split(separator: 0x0A).count == 4)
        try Self.useModel("replay", for: "planner", in: directory)

        let doctor = try Lemming.run(["doctor"], in: directory)
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(
            doctor.stdout.contains("ok   replay [cassette]: plays back cassettes/run.jsonl: 4 recorded calls (lenient)")
        )
        #expect(try FileSystem.readIfPresent(directory + "/cassettes/run.jsonl") == recorded)
    }

    @Test func doctorWithoutCallsChecksConfigurationAndKeys() throws {
        let directory = try Self.org(models: ["remote": ["provider": "anthropic", "model": "claude-3-5-haiku-latest"]])
        defer { try? FileSystem.removeTree(directory) }
        try Self.useModel("remote", for: "planner", in: directory)
        let missing = try Lemming.run(["doctor", "--no-call"], in: directory, environment: ["ANTHROPIC_API_KEY": ""])
        #expect(missing.status == 1)
        #expect(
            missing.stdout.contains(
                "FAIL remote [anthropic]: models.json: remote.api_key_env: no API key: set ANTHROPIC_API_KEY"))
        let present = try Lemming.run(
            ["doctor", "--no-call"], in: directory, environment: ["ANTHROPIC_API_KEY": "sk-ant-test"])
        #expect(present.status == 0)
        #expect(present.stdout.contains("ok   remote [anthropic]: configured (no request sent)"))
        #expect(!present.stdout.contains("sk-ant-test"))
    }
}
