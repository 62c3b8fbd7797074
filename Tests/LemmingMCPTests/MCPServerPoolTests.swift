import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import LemmingProcess
import LemmingTesting
import MCP
import Testing

@testable import LemmingMCP

/// The MCP client's pool against a stdio server program (issue 14 §1): calls, results, the
/// scrubbed environment, timeouts, a server that dies mid-call and its restart after a backoff,
/// oversized messages, servers that cannot start, and changed settings. The real SDK servers
/// (stdio and streamable HTTP) and a published one are the interop tests' (Tests/Interop).
@Suite(.timeLimit(.minutes(2))) struct MCPServerPoolTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake_mcp_server.py").path

    /// A pool with one stdio server `fake` running the fake server in the kernel sandbox, whose
    /// starts are counted in `shared/starts.txt`.
    struct Fixture {
        let org: TemporaryOrg
        let pool: MCPServerPool
        let clock: ManualClock

        init(
            timeoutSeconds: Double = 5, maxMessageBytes: Int = 16 * 1_048_576,
            edit: (inout MCPSettings.Server) -> Void = { _ in }
        ) throws {
            org = try TemporaryOrg.make(agents: [])
            try FileSystem.makeDirectory(org.paths.shared)
            try org.writeBytes("shared/starts.txt", [])
            clock = ManualClock()
            let environment = TestSandbox.environment([
                "PATH": "/usr/local/bin:/usr/bin:/bin", "SECRET_API_KEY": "hunter2", "PASSED_ON": "yes",
            ])
            pool = MCPServerPool(
                environment: environment,
                runner: ProcessRunner(sandbox: ProgramSandbox.detect(environment: environment)),
                http: HTTPClient.shared, clock: clock, maxMessageBytes: maxMessageBytes)
            var server = MCPSettings.Server()
            server.name = "fake"
            server.command = ["/usr/bin/python3", MCPServerPoolTests.script, org.paths.shared + "/starts.txt"]
            server.env = ["GIVEN": "1"]
            server.passEnv = ["PASSED_ON"]
            server.timeoutSeconds = timeoutSeconds
            edit(&server)
            configure(server)
        }

        @discardableResult
        func configure(_ server: MCPSettings.Server) -> [any ToolSource] {
            var settings = MCPSettings()
            settings.servers = [server]
            return pool.configure(settings, limits: ToolSettings().limits, org: org.paths)
        }

        func starts() throws -> Int {
            String(decoding: try org.read("shared/starts.txt") ?? [], as: UTF8.self).split(separator: "\n").count
        }

        func call(_ tool: String, _ arguments: JSONObject = [:]) async -> ToolResult {
            await pool.call(server: "fake", tool: tool, arguments: arguments)
        }
    }

    @Test func aToolIsCalledAndItsTextIsTheResult() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        try await fixture.pool.running {
            let source = try #require(fixture.configure(fixture.pool.settings(of: "fake") ?? .init()).first)
            await source.prepare()
            #expect(source.problem == nil)
            #expect(
                source.tools.map(\.name).sorted() == [
                    "mcp.fake.die", "mcp.fake.echo", "mcp.fake.environment", "mcp.fake.fail", "mcp.fake.grow",
                    "mcp.fake.huge", "mcp.fake.slow", "mcp.fake.whereami",
                ])
            // Tools the agents could not use are left out one by one, and said.
            #expect(
                source.notes == [
                    "left out 'bad name?': not a valid tool name (1 to 128 of A-Z a-z 0-9 _ - .)",
                    "left out 'noschema': no inputSchema object", "left out 'echo': listed twice",
                ])
            let echo = try #require(source.tools.first { $0.name == "mcp.fake.echo" })
            #expect(echo.summary == "Echo the text.")
            #expect(echo.argumentSchema["required"] == ["text"])
            let result = await fixture.call("echo", ["text": "héllo"])
            #expect(result == .success("mcp.fake.echo", "héllo"))
            let failure = await fixture.call("fail")
            #expect(failure == .failure("mcp.fake.fail", "it broke"))
            let unknown = await fixture.call("missing")
            #expect(unknown.error?.contains("Unknown tool: missing") == true, "\(unknown)")
        }
        #expect(try fixture.starts() == 1)
    }

    @Test func theServerSeesOnlyPathAndWhatItsSettingsGive() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        let result = try await fixture.pool.running { await fixture.call("environment") }
        let names = try #require(try JSONValue.parse(Array(result.output.utf8))["names"]?.arrayValue)
            .compactMap(\.stringValue)
        #expect(names.contains("PATH") && names.contains("GIVEN") && names.contains("PASSED_ON"), "\(names)")
        #expect(!names.contains("SECRET_API_KEY"))
        // Python may set LC_CTYPE itself, a coverage build's launcher its profile runtime's marker;
        // nothing else of the engine's environment is there.
        let expected: Set = ["PATH", "GIVEN", "PASSED_ON", "LC_CTYPE", "__LLVM_PROFILE_RT_INIT_ONCE"]
        #expect(Set(names).subtracting(expected).isEmpty, "\(names)")
    }

    @Test func aCallPastItsTimeoutIsCancelledAndFails() async throws {
        let fixture = try Fixture(timeoutSeconds: 5)
        defer { fixture.org.remove() }
        try await fixture.pool.running {
            _ = await fixture.pool.ready("fake")
            async let result = fixture.call("slow")
            await fixture.clock.waitForSleepers(1, endingBy: .init(offset: .seconds(5)))
            fixture.clock.advance(by: .seconds(5))
            let failure = await result
            #expect(failure.isSuccess == false)
            #expect(
                failure.error
                    == "mcp.fake.slow did not answer within 5 s (mcp.servers.fake.timeout_seconds); the call was cancelled"
            )
            // The server still answers.
            #expect(await fixture.call("echo", ["text": "still here"]).output == "still here")
        }
    }

    @Test func aServerThatDiesMidCallIsRestartedAfterABackoff() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        try await fixture.pool.running {
            let died = await fixture.call("die")
            #expect(died.error?.hasPrefix("the MCP server 'fake' stopped during the call") == true, "\(died)")
            // The restart waits 1 s; meanwhile calls fail at once with the reason.
            await fixture.clock.waitForSleepers(1, endingBy: .init(offset: .seconds(1)))
            let problem = try #require(fixture.pool.listing(of: "fake").problem)
            #expect(problem.contains("exited with status 3"), "\(problem)")
            #expect(problem.contains("dying on purpose"), "\(problem)")
            #expect(problem.hasSuffix("restarting in 1 s"), "\(problem)")
            let meanwhile = await fixture.call("echo", ["text": "?"])
            #expect(meanwhile.error == "the MCP server 'fake' is unavailable: \(problem)")
            fixture.clock.advance(by: .seconds(1))
            #expect(await fixture.call("echo", ["text": "back"]).output == "back")
        }
        #expect(try fixture.starts() == 2)
    }

    @Test func aServerThatSaysItsToolsChangedIsListedAgainAndKeepsAnswering() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        try await fixture.pool.running {
            #expect(await fixture.call("grow").output == "grew")
            #expect(await fixture.call("echo", ["text": "after"]).output == "after")
            // The new tool is listed once the pool has asked again.
            while !fixture.pool.listing(of: "fake").tools.tools.contains(where: { $0.name == "grown" }) {
                await Task.yield()
            }
            #expect(await fixture.call("grown").output == "I am new")
        }
    }

    @Test func theServerRunsInAFolderAgentsCannotWrite() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        let folder = try await fixture.pool.running { await fixture.call("whereami").output }
        #expect(folder == fixture.org.paths.state + "/mcp/fake")
    }

    @Test func backoffsDoubleToAMinute() {
        #expect(
            (1...8).map { MCPServerPool.backoff(afterFailures: $0) }
                == [1, 2, 4, 8, 16, 32, 60, 60].map {
                    Duration.seconds($0)
                })
    }

    @Test func aMessageLongerThanTheCapStopsTheServer() async throws {
        let fixture = try Fixture(maxMessageBytes: 1_048_576)
        defer { fixture.org.remove() }
        let result = try await fixture.pool.running { await fixture.call("huge", ["size": 3_000_000]) }
        #expect(result.error?.contains("it sent a message longer than 1048576 bytes") == true, "\(result)")
    }

    @Test func aServerThatCannotStartSaysWhy() async throws {
        let fixture = try Fixture { $0.command = ["/nonexistent/mcp-server"] }
        defer { fixture.org.remove() }
        let outcome = try await fixture.pool.running { await fixture.pool.probe("fake") }
        guard case .failure(let failure) = outcome else {
            Issue.record("the server started: \(outcome)")
            return
        }
        #expect(failure.reason.contains("'/nonexistent/mcp-server' was not found or is not executable"), "\(failure)")
        #expect(failure.reason.hasSuffix("restarting in 1 s"))
    }

    @Test func aServerThatNeverAnswersIsGivenUpAtItsStartupTimeout() async throws {
        let fixture = try Fixture { $0.command.append("--silent") }
        defer { fixture.org.remove() }
        let outcome = try await fixture.pool.running {
            async let outcome = fixture.pool.probe("fake")
            await fixture.clock.waitForSleepers(1, endingBy: .init(offset: .seconds(30)))
            fixture.clock.advance(by: .seconds(30))
            return await outcome
        }
        guard case .failure(let failure) = outcome else {
            Issue.record("the server started: \(outcome)")
            return
        }
        #expect(
            failure.reason.hasPrefix(
                "it did not answer initialize and tools/list within 30 s (its startup_timeout_seconds)"),
            "\(failure)")
    }

    @Test func changedSettingsRestartTheServer() async throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        try await fixture.pool.running {
            #expect(await fixture.call("echo", ["text": "one"]).output == "one")
            var changed = try #require(fixture.pool.settings(of: "fake"))
            changed.env["GIVEN"] = "2"
            fixture.configure(changed)
            #expect(await fixture.call("echo", ["text": "two"]).output == "two")
            // Unchanged settings keep the running server.
            fixture.configure(changed)
            #expect(await fixture.call("echo", ["text": "three"]).output == "three")
        }
        #expect(try fixture.starts() == 2)
    }

    @Test func resultsAreRenderedForTheAgent() {
        let mixed = CallTool.Result(
            content: [
                .text(text: "first", annotations: nil, _meta: nil),
                .image(data: String(repeating: "A", count: 400), mimeType: "image/png", annotations: nil, _meta: nil),
                .resourceLink(uri: "file:///a.txt", name: "a", mimeType: "text/plain"),
            ])
        #expect(
            MCPServerPool.render(mixed, tool: "mcp.s.t", limit: 1_000)
                == .success(
                    "mcp.s.t", "first\n[image, image/png, 300 bytes]\n[resource link file:///a.txt (a, text/plain)]"))
        let structured = CallTool.Result(content: [], structuredContent: .object(["b": .int(2), "a": .int(1)]))
        #expect(
            MCPServerPool.render(structured, tool: "mcp.s.t", limit: 1_000) == .success("mcp.s.t", #"{"a":1,"b":2}"#))
        let long = CallTool.Result(content: [.text(text: "abcdef", annotations: nil, _meta: nil)])
        #expect(MCPServerPool.render(long, tool: "mcp.s.t", limit: 4) == .success("mcp.s.t", "abcd", truncated: true))
        let error = CallTool.Result(content: [], isError: true)
        #expect(
            MCPServerPool.render(error, tool: "mcp.s.t", limit: 4)
                == .failure("mcp.s.t", "mcp.s.t failed without a message"))
    }

    @Test func resultsAreCutOnScalarBoundaries() {
        #expect(MCPServerPool.truncate("héllo", limit: 2) == ("h", true))
        #expect(MCPServerPool.truncate("héllo", limit: 3) == ("hé", true))
        #expect(MCPServerPool.truncate("héllo", limit: 6) == ("héllo", false))
    }

    @Test func validationWarnsOfWhatWouldKeepAServerFromStarting() throws {
        let fixture = try Fixture()
        defer { fixture.org.remove() }
        var config = OrgConfig(name: "acme")
        var missing = MCPSettings.Server()
        missing.name = "missing"
        missing.command = ["no-such-mcp-server"]
        missing.passEnv = ["PASSED_ON", "NOT_SET_ANYWHERE"]
        var remote = MCPSettings.Server()
        remote.name = "remote"
        remote.url = "https://mcp.example.com/mcp"
        remote.headersEnv = ["Authorization": "REMOTE_TOKEN"]
        config.mcp.servers = [missing, remote]
        let issues = fixture.pool.issues(config: config, org: fixture.org.paths)
        #expect(
            issues.map(\.field) == [
                "mcp.servers.missing.command", "mcp.servers.missing.pass_env", "mcp.servers.remote.headers_env",
            ])
        #expect(issues.allSatisfy { !$0.isError })
        #expect(issues[1].message == "NOT_SET_ANYWHERE is not set in this environment")
    }
}
