import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import NIOCore
import Testing

@testable import LemmingServer

/// What a web page can make a key-less server on loopback do (issue 11, item 2; DESIGN §8).
@Suite(.timeLimit(.minutes(1))) struct BrowserPolicyTests {
    /// Everything a change could have touched.
    static func snapshot(_ org: TemporaryOrg) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for folder in ["agents", "state"] {
            func walk(_ relative: String) throws {
                // The search index is derived: reading it may leave SQLite's shared-memory file.
                for name in try FileSystem.list(org.root + "/" + relative) ?? [] where !name.hasPrefix("search.sqlite")
                {
                    let child = relative + "/" + name
                    if FileSystem.info(org.root + "/" + child)?.isDirectory == true {
                        files[child + "/"] = []
                        try walk(child)
                    } else {
                        files[child] = try org.read(child)
                    }
                }
            }
            try walk(folder)
        }
        return files
    }

    /// The changes a page would try: send, top up, create an agent, pause.
    static let writes: [(HTTPRequest.Method, String, String)] = [
        (.post, "/api/messages", #"{"to": "manager", "text": "wire the money"}"#),
        (.post, "/api/agents/manager/top-up", #"{"amount": 1000}"#),
        (.post, "/api/agents", #"{"name": "intruder"}"#),
        (.post, "/api/pause", ""),
    ]

    @Test func aPageOfAnotherOriginChangesNothing() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let before = try Self.snapshot(org)
        try await withServer(org) { client, _ in
            for (method, path, body) in Self.writes {
                // The issue's example: a cross-site form post, text/plain.
                let plain = try await client.call(
                    method, path, body: body.isEmpty ? nil : body,
                    headers: [.origin: "http://evil.example", .contentType: "text/plain"])
                #expect(plain.status == 403, "\(path): \(plain.text)")
                #expect(plain.errorCode == "origin_not_allowed")
                #expect(plain.headers[.accessControlAllowOrigin] == nil)
                // Even as JSON (after a preflight the browser would not get).
                let json = try await client.call(
                    method, path, body: body.isEmpty ? nil : body, headers: [.origin: "http://evil.example"])
                #expect(json.status == 403, "\(path)")
                let opaque = try await client.call(method, path, body: body, headers: [.origin: "null"])
                #expect(opaque.status == 403, "\(path)")
            }
            // Reads stay possible (the browser keeps the answer from the page: no CORS headers).
            #expect(try await client.call(.get, "/api/status", headers: [.origin: "http://evil.example"]).status == 200)
        }
        #expect(try Self.snapshot(org) == before)
    }

    @Test func bodiesMustBeJSON() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let before = try Self.snapshot(org)
        let body = #"{"to": "manager", "text": "hi"}"#
        try await withServer(org) { client, _ in
            // No Origin (not a browser's request), but a body must still say it is JSON.
            for type in [
                "text/plain", "text/plain;charset=utf-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/jsonx", "",
            ] {
                let answer = try await client.call(.post, "/api/messages", body: body, headers: [.contentType: type])
                #expect(answer.status == 415, "\(type)")
                #expect(answer.errorCode == "unsupported_media_type")
            }
            let untyped = try await client.execute(
                uri: "/api/messages", method: .post, headers: [:], body: ByteBuffer(string: body)
            ) { Int($0.status.code) }
            #expect(untyped == 415)
            #expect(try Self.snapshot(org) == before)
            for type in ["application/json; charset=utf-8", "Application/JSON"] {
                let answer = try await client.call(.post, "/api/messages", body: body, headers: [.contentType: type])
                #expect(answer.status == 201, "\(type)")
            }
            // A change without a body needs no content type (curl -X POST).
            #expect(try await client.call(.post, "/api/pause").status == 200)
        }
    }

    @Test func ownConfiguredAndAbsentOriginsMayChange() async throws {
        let org = try chatOrg(config: ["server": ["cors_origins": ["https://dash.example"]]])
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let message: JSONValue = ["to": "manager", "text": "hi"]
            for origin in [nil, "https://dash.example", "http://localhost", "http://127.0.0.1:7777", "http://[::1]:80"]
            {
                var headers: HTTPFields = [:]
                headers[.origin] = origin
                let answer = try await client.call(.post, "/api/messages", json: message, headers: headers)
                #expect(answer.status == 201, "\(origin ?? "no origin"): \(answer.text)")
            }
            let configured = try await client.call(
                .post, "/api/messages", json: message, headers: [.origin: "https://dash.example"])
            #expect(configured.headers[.accessControlAllowOrigin] == "https://dash.example")
            // Close to an allowed origin is not one.
            for origin in ["https://dash.example.evil", "http://dash.example", "http://localhost.evil", "file://"] {
                let answer = try await client.call(.post, "/api/messages", json: message, headers: [.origin: origin])
                #expect(answer.status == 403, "\(origin)")
            }
        }
    }

    /// A status line's code (`HTTP/1.1 421 Misdirected Request` → 421).
    static func status(_ answer: String) -> Int? {
        answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
    }

    @Test func onlyHostsNamingTheServerAreServed() async throws {
        let org = try chatOrg(config: ["server": ["allowed_hosts": ["lemming.internal"]]])
        defer { org.remove() }
        let before = try Self.snapshot(org)
        try await withServer(org, setup: .live) { client, _ in
            let port = try #require(client.port)
            func get(host: String?) async throws -> String {
                let connection = try RawConnection(port: port)
                let line = host.map { "Host: \($0)\r\n" } ?? ""
                return await connection.exchange("GET /api/status HTTP/1.1\r\n\(line)Connection: close\r\n\r\n")
            }
            for host in [
                "127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "LOCALHOST:\(port)", "localhost",
                "lemming.internal:\(port)",
            ] {
                #expect(Self.status(try await get(host: host)) == 200, "\(host)")
            }
            // DNS rebinding: a name the attacker points at 127.0.0.1; or the right name on another port.
            for host in [
                "evil.example:\(port)", "evil.example", "127.0.0.1.evil.example:\(port)",
                "localhost:\(port + 1 == 65_536 ? 1 : port + 1)", "localhost:x", "user@localhost:\(port)",
            ] {
                let answer = try await get(host: host)
                #expect(Self.status(answer) == 421, "\(host): \(answer)")
                #expect(answer.contains("host_not_allowed"), "\(host)")
            }
            #expect(Self.status(try await get(host: nil)) == 400)
            // A change through a foreign Host does nothing either.
            let connection = try RawConnection(port: port)
            let body = #"{"to": "manager", "text": "hi"}"#
            let answer = await connection.exchange(
                "POST /api/messages HTTP/1.1\r\nHost: evil.example:\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            #expect(Self.status(answer) == 421)
        }
        #expect(try Self.snapshot(org) == before)
    }

    @Test func theEventStreamRefusesForeignOrigins() async throws {
        let org = try chatOrg(config: ["server": ["cors_origins": ["https://dash.example"]]])
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, _ in
            let port = try #require(client.port)
            func connect(origin: String?) async throws {
                var configuration = WebSocketClientConfiguration()
                if let origin { configuration.additionalHeaders = [.origin: origin] }
                try await client.ws("/api/events", configuration: configuration) { _, _, _ in }
            }
            await #expect(throws: (any Error).self) { try await connect(origin: "http://evil.example") }
            try await connect(origin: nil)
            try await connect(origin: "http://localhost:\(port)")
            try await connect(origin: "https://dash.example")
            // As a plain request: refused (Hummingbird answers a refused upgrade 400), while the same
            // request from the server's own page is upgraded.
            func upgrade(origin: String) async throws -> Int? {
                Self.status(
                    try await RawConnection(port: port).exchange(
                        "GET /api/events HTTP/1.1\r\nHost: localhost:\(port)\r\nOrigin: \(origin)\r\n"
                            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 0\r\n\r\n"))
            }
            #expect(try await upgrade(origin: "http://evil.example") == 400)
            #expect(try await upgrade(origin: "ws://evil.example") == 400)
            #expect(try await upgrade(origin: "http://localhost:\(port)") == 101)
        }
    }

    @Test func hostNamesParseStrictly() {
        func split(_ authority: String) -> String? {
            BrowserPolicy.split(authority: authority).map { "\($0.name) \($0.port.map(String.init) ?? "-")" }
        }
        #expect(split("localhost:7777") == "localhost 7777")
        #expect(split("[::1]:80") == "[::1] 80")
        #expect(split("[::1]") == "[::1] -")
        #expect(split("Example.COM") == "example.com -")
        for bad in ["", ":80", "a:", "a:123456", "a:-1", "[::1", "[::1]x", "a/b:1", "u@h:1"] {
            #expect(split(bad) == nil, "\(bad)")
        }
        #expect(BrowserPolicy.isAddress("10.0.0.5"))
        #expect(BrowserPolicy.isAddress("[fe80::1]"))
        #expect(!BrowserPolicy.isAddress("evil.example"))
        #expect(!BrowserPolicy.isAddress("10.0.0.5.nip.io"))
    }

    @Test func boundToEveryAddressAnyAddressButNoForeignNameIsServed() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let key = "browser-test-key-0123"
        try await withServer(org, environment: ["LEMMING_API_KEY": key], host: "0.0.0.0") { client, server in
            #expect(server.backend.browser.names.contains("localhost"))
            #expect(server.backend.browser.acceptsAnyAddress)
            // The router test client names the server `localhost`.
            let status = try await client.call(.get, "/api/status", headers: [.authorization: "Bearer \(key)"])
            #expect(status.status == 200)
        }
        let policy = BrowserPolicy(settings: ServerSettings(), host: "0.0.0.0", port: 7777)
        #expect(policy.acceptsAnyAddress)
        #expect(!policy.names.contains("0.0.0.0"))
    }
}
