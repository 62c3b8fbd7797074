import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting
import NIOCore
import Synchronization
import Testing

@testable import LemmingServer

/// A server for `org`, as `lemming serve` builds it, with the test clock and no tools.
func makeServer(
    _ org: TemporaryOrg, host: String = "127.0.0.1", environment: [String: String] = [:], hostsEngine: Bool = false,
    clock: any WallClock = TemporaryOrg.fixedClock
) throws -> APIServer {
    try APIServer(
        configuration: APIServer.Configuration(
            root: org.root, host: host, port: 0, hostsEngine: hostsEngine, environment: environment, tools: NoTools(),
            clock: clock, openEngine: { sinks in try await org.engine(sinks: sinks) }))
}

/// A wall clock a test moves by hand.
final class SettableClock: WallClock {
    private let instant: Mutex<Date>

    init(_ instant: Date = TemporaryOrg.fixedClock.instant) {
        self.instant = Mutex(instant)
    }

    func now() -> Date { instant.withLock { $0 } }
    func monotonicNanoseconds() -> UInt64 { 0 }

    func advance(seconds: Double) {
        instant.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// A response with its body parsed as JSON (`nil` when it is not JSON).
struct Answer: Sendable {
    let status: Int
    let headers: HTTPFields
    let text: String
    var json: JSONValue? { try? JSONValue.parse(Array(text.utf8)) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
}

extension TestClientProtocol {
    /// Sends a request; `json` (or `body`) becomes the body, sent as `application/json` unless
    /// `headers` names another content type.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: JSONValue? = nil, body: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> Answer {
        var buffer: ByteBuffer?
        if let json { buffer = ByteBuffer(bytes: JSONWriter().bytes(json)) }
        if let body { buffer = ByteBuffer(string: body) }
        var headers = headers
        if buffer != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            Answer(
                status: Int(response.status.code), headers: response.headers,
                text: String(buffer: response.body))
        }
    }
}

/// Runs `body` against the server's router (no sockets), or with `.live` against the server
/// listening on loopback (for WebSockets). A server configured for another `host` keeps that
/// host's rules (keys needed for reads) but listens on loopback too.
func withServer<T: Sendable>(
    _ org: TemporaryOrg, environment: [String: String] = [:], host: String = "127.0.0.1",
    clock: any WallClock = TemporaryOrg.fixedClock, setup: TestingSetup = .router,
    _ body: @Sendable (any TestClientProtocol, APIServer) async throws -> T
) async throws -> T {
    let server = try makeServer(org, host: host, environment: environment, clock: clock)
    // What the search index's service does first when `serve` runs it.
    server.backend.indexer.update()
    return try await server.makeApplication(listeningOn: "127.0.0.1").test(setup) { client in
        try await body(client, server)
    }
}

/// A small org: `manager` reads the human, `worker` reads the manager.
func chatOrg(config: JSONObject = [:], replies: [ScriptLine]? = nil) throws -> TemporaryOrg {
    try TemporaryOrg.make(
        agents: [TestAgent("manager", reads: ["human"]), TestAgent("worker", reads: ["manager"])], replies: replies,
        config: config)
}
