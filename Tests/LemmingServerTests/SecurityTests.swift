import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingServer

@Suite(.timeLimit(.minutes(1))) struct SecurityTests {
    static let key = "test-key-0123456789"

    @Test func withoutAKeyOnlyLoopbackIsServed() throws {
        let org = try chatOrg()
        defer { org.remove() }
        #expect(throws: LemmingError.self) { try makeServer(org, host: "0.0.0.0") }
        #expect(throws: LemmingError.self) { try makeServer(org, host: "192.168.1.5") }
        _ = try makeServer(org, host: "0.0.0.0", environment: ["LEMMING_API_KEY": Self.key])
    }

    @Test func aConfiguredKeyGuardsChangesOnLoopback() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": Self.key]) { client, _ in
            #expect(try await client.call(.get, "/api/status").status == 200)
            let missing = try await client.call(.post, "/api/pause")
            #expect(missing.status == 401)
            #expect(missing.errorCode == "unauthorized")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            #expect(!missing.text.contains(Self.key))
            let wrong = try await client.call(.post, "/api/pause", headers: [.authorization: "Bearer \(Self.key)x"])
            #expect(wrong.status == 401)
            #expect(try await client.call(.post, "/api/pause", headers: [.authorization: Self.key]).status == 401)
            let right = try await client.call(.post, "/api/pause", headers: [.authorization: "Bearer \(Self.key)"])
            #expect(right.status == 200)
        }
    }

    @Test func beyondLoopbackReadsNeedTheKeyToo() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": Self.key], host: "0.0.0.0") { client, _ in
            #expect(try await client.call(.get, "/api/status").status == 401)
            #expect(try await client.call(.get, "/metrics").status == 401)
            #expect(try await client.call(.get, "/healthz").status == 200)
            let status = try await client.call(.get, "/api/status", headers: [.authorization: "Bearer \(Self.key)"])
            #expect(status.status == 200)
        }
    }

    @Test func constantTimeComparisonIsExact() {
        func equal(_ left: String, _ right: String) -> Bool {
            AccessPolicy.constantTimeEqual(Array(left.utf8), Array(right.utf8))
        }
        #expect(equal("abc", "abc"))
        #expect(!equal("abc", "abd"))
        #expect(!equal("abc", "abcd"))
        #expect(!equal("", "a"))
    }

    @Test func rateLimitsArePerRouteAndSayWhenToRetry() async throws {
        let org = try chatOrg(config: ["server": ["rate_limits": ["writes_per_minute": 2, "reads_per_minute": 3]]])
        defer { org.remove() }
        try await withServer(org) { client, _ in
            #expect(try await client.call(.post, "/api/pause").status == 200)
            #expect(try await client.call(.post, "/api/pause").status == 200)
            let limited = try await client.call(.post, "/api/pause")
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.call(.post, "/api/resume").status == 200)
            for _ in 1...3 { #expect(try await client.call(.get, "/api/status").status == 200) }
            #expect(try await client.call(.get, "/api/status").status == 429)
            #expect(try await client.call(.get, "/api/agents").status == 200)
        }
    }

    @Test func badBodiesAreClientErrorsNeverServerErrors() async throws {
        let org = try chatOrg(config: ["server": ["max_body_bytes": 1024]])
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let big = String(repeating: "x", count: 4096)
            let tooLarge = try await client.call(.post, "/api/messages", json: ["to": "manager", "text": .string(big)])
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "body_too_large")
            for body in [
                "{", "[1,2]", "\"text\"", "nul", "{\"to\": [], \"text\": \"x\"}",
                "{\"to\": {\"a\": 1}, \"text\": \"x\"}", "\u{0}\u{1}",
            ] {
                let answer = try await client.call(.post, "/api/messages", body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.json?["error"]?["status"]?.intValue == 400)
            }
            #expect(try await client.call(.put, "/api/agents/worker/resume", body: "[]").status == 400)
            #expect(try await client.call(.post, "/api/agents", body: "{\"name\": 7}").status == 400)
            #expect(try await client.call(.delete, "/api/agents/worker").status == 405)
            #expect(try await client.call(.get, "/api/events").status == 426)
        }
    }

    /// Sends a body of `total` bytes (blanks: a JSON body that never ends) to `path` until the
    /// answer comes or the server closes the connection.
    ///
    /// - Returns: the answer's bytes, how much of the body was sent, and whether the server closed
    ///   the connection before it was all sent.
    static func sendEndlessBody(
        port: Int, path: String, total: Int, chunked: Bool
    ) async throws -> (answer: String, sent: Int, closed: Bool) {
        let connection = try RawConnection(port: port)
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(total)"
        let head =
            "POST \(path) HTTP/1.1\r\nHost: localhost:\(port)\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n"
        var pending = Array(head.utf8)[...]
        let piece = [UInt8](repeating: 0x20, count: 16_384)
        let chunk = chunked ? Array("4000\r\n".utf8) + piece + Array("\r\n".utf8) : piece
        var sent = 0
        var answer: [UInt8] = []
        var closed = false
        let headEnd = Array("\r\n\r\n".utf8)
        while sent < total {
            guard let more = await connection.receive(looks: 0) else {
                closed = true
                break
            }
            answer += more
            if pending.isEmpty { pending = chunk[...] }
            guard let count = await connection.send(pending) else {
                closed = true
                break
            }
            pending = pending.dropFirst(count)
            if pending.isEmpty { sent += piece.count }
        }
        // The rest of the answer, up to the end of its head.
        while !answer.contains(headEnd), let more = await connection.receive() { answer += more }
        return (String(decoding: answer, as: UTF8.self), sent, closed)
    }

    @Test func aBodyOverTheLimitIsRefusedAsSoonAsItPassesItAndNotReadFurther() async throws {
        let org = try chatOrg(config: ["server": ["max_body_bytes": 1024]])
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, _ in
            let port = try #require(client.port)
            let total = 256 << 20
            for chunked in [true, false] {
                let (answer, sent, closed) = try await Self.sendEndlessBody(
                    port: port, path: "/api/messages", total: total, chunked: chunked)
                #expect(answer.hasPrefix("HTTP/1.1 413"), "chunked \(chunked): \(answer.prefix(200))")
                #expect(answer.contains("body_too_large"))
                // The server closed the connection instead of reading (or draining) the rest.
                #expect(closed, "chunked \(chunked)")
                #expect(sent < total / 4, "chunked \(chunked): \(sent) of \(total) bytes sent")
            }
            // The server serves on.
            #expect(try await client.call(.get, "/api/status").status == 200)
        }
        #expect(try FileSystem.list(org.paths.outbox(Names.human))?.isEmpty ?? true)
    }

    @Test func corsAllowsOnlyListedOriginsAndHeadersAreSet() async throws {
        let org = try chatOrg(config: ["server": ["cors_origins": ["https://dash.example"]]])
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let allowed = try await client.call(.get, "/api/status", headers: [.origin: "https://dash.example"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://dash.example")
            let other = try await client.call(.get, "/api/status", headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let preflight = try await client.call(
                .options, "/api/messages",
                headers: [.origin: "https://dash.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == 204)
            let refused = try await client.call(
                .options, "/api/messages",
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(refused.status == 403)
            #expect(allowed.headers[.xContentTypeOptions] == "nosniff")
            #expect(allowed.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(allowed.headers[.cacheControl] == "no-store")
        }
    }
}
