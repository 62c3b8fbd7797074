import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingTesting
import Logging
import NIOCore
import Testing

/// Serves a few fixed pages on 127.0.0.1 (a free port) while `body` runs.
private func withWebServer<Result>(
    isolation: isolated (any Actor)? = #isolation, _ body: (Int) async throws -> Result
) async throws -> Result {
    let router = Router()
    router.get("page") { _, _ in "hello from the page" }
    router.get("big") { _, _ in String(repeating: "b", count: 10_000) }
    router.get("missing") { _, _ -> Response in
        Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "nothing here")))
    }
    router.get("slow") { _, _ -> String in
        try await Task.sleep(for: .seconds(10))
        return "late"
    }
    router.get("hop") { request, _ -> Response in
        let target = request.uri.queryParameters.get("to") ?? "/page"
        return Response(status: .found, headers: [.location: target])
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        },
        logger: Logger(label: "test-web", factory: { _ in SwiftLogNoOpLogHandler() }))
    return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask { try await application.run() }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return try await body(port)
    }
}

@Suite(.timeLimit(.minutes(2))) struct HTTPGetToolTests {
    @Test func fetchesOnlyAllowListedHosts() async throws {
        try await withWebServer { port in
            let base = "http://127.0.0.1:\(port)"
            let org = try TemporaryOrg.make(
                agents: [toolAgent("a", tools: ["http_get"])],
                replies: [
                    calls(
                        "a", tick: 1,
                        [
                            call("http_get", ["url": .string(base + "/page")]),
                            call("http_get", ["url": .string(base + "/big")]),
                            call("http_get", ["url": .string(base + "/missing")]),
                            call("http_get", ["url": .string("http://localhost:\(port)/page")]),
                            call("http_get", ["url": .string(base + "/hop?to=/page")]),
                            call("http_get", ["url": .string(base + "/hop?to=http://localhost:\(port)/page")]),
                            call("http_get", ["url": "file:///etc/passwd"]),
                            call("http_get", ["url": .string("http://user:pw@127.0.0.1:\(port)/page")]),
                        ])
                ],
                config: ["tools": ["http": ["allow_hosts": .strings(["127.0.0.1:\(port)"]), "max_bytes": 1000]]])
            defer { org.remove() }
            try await runWithTools(org, ticks: 1)
            let outcome = try results(org, "a", tick: 1)
            #expect(
                outcome[0].success && outcome[0].output.hasPrefix("HTTP 200 (")
                    && outcome[0].output.hasSuffix("\n\nhello from the page"))
            #expect(
                outcome[1].success && outcome[1].truncated
                    && outcome[1].output.hasSuffix(String(repeating: "b", count: 1000)))
            #expect(outcome[1].output.utf8.count < 1100)
            #expect(
                !outcome[2].success && outcome[2].error == "HTTP 404" && outcome[2].output.hasSuffix("nothing here"))
            #expect(!outcome[3].success && outcome[3].error?.contains("host 'localhost' is not allow-listed") == true)
            #expect(outcome[4].success && outcome[4].output.hasSuffix("hello from the page"), "\(outcome[4])")
            // A redirect to a host that is not allowed is refused, not followed.
            #expect(!outcome[5].success && outcome[5].error?.contains("'localhost' is not allow-listed") == true)
            #expect(!outcome[6].success && outcome[6].error == "only http:// and https:// URLs may be fetched")
            #expect(!outcome[7].success && outcome[7].error == "URLs with credentials are refused")
        }
    }

    /// Apart from the fetches above: a 1 s deadline would make them fail on a busy machine.
    @Test func aPageSlowerThanTheTimeoutFails() async throws {
        try await withWebServer { port in
            let org = try TemporaryOrg.make(
                agents: [toolAgent("a", tools: ["http_get"])],
                replies: [calls("a", tick: 1, [call("http_get", ["url": .string("http://127.0.0.1:\(port)/slow")])])],
                config: ["tools": ["http": ["allow_hosts": .strings(["127.0.0.1:\(port)"]), "timeout_seconds": 1]]])
            defer { org.remove() }
            try await runWithTools(org, ticks: 1)
            let result = try #require(try results(org, "a", tick: 1).first)
            #expect(!result.success && result.error == "no answer within 1 s", "\(result)")
        }
    }

    @Test func withNoAllowListNothingIsFetched() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["http_get"])],
            replies: [calls("a", tick: 1, [call("http_get", ["url": "https://example.com/"])])])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let result = try #require(try results(org, "a", tick: 1).first)
        #expect(!result.success && result.error?.contains("no hosts are allowed") == true)
    }
}
