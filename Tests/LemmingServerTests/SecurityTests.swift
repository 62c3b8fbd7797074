import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingServer

@Suite struct SecurityTests {
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
            for body in ["{", "[1,2]", "\"text\"", "nul", "{\"to\": [\"manager\"], \"text\": \"x\"}", "\u{0}\u{1}"] {
                let answer = try await client.call(.post, "/api/messages", body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.json?["error"]?["status"]?.intValue == 400)
            }
            #expect(try await client.call(.put, "/api/agents/worker/resume", body: "[]").status == 400)
            #expect(try await client.call(.post, "/api/agents", body: "{\"name\": 7}").status == 400)
            #expect(try await client.call(.delete, "/api/agents/worker").status == 404)
            #expect(try await client.call(.get, "/api/events").status == 426)
        }
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
