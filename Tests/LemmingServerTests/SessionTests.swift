import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingServer

/// The browser session scheme (issue 12, DESIGN §8): `/api/session`, the cookie, CSRF tokens.
@Suite(.timeLimit(.minutes(1))) struct SessionTests {
    static let key = "session-test-key-0123456789"
    static let environment = ["LEMMING_API_KEY": key]

    /// A logged-in browser: the cookie to send back and the CSRF token.
    struct Login {
        var cookie: String
        var csrf: String
        /// `X-CSRF-Token`.
        var csrfHeader: HTTPField.Name
        var headers: HTTPFields { [.cookie: cookie] }
        var changeHeaders: HTTPFields { [.cookie: cookie, csrfHeader: csrf] }
    }

    /// Logs in with `key`, checking the cookie's attributes.
    static func login(_ client: any TestClientProtocol, key: String = key) async throws -> Login {
        let answer = try await client.call(.post, "/api/session", json: ["key": .string(key)])
        #expect(answer.status == 200, "\(answer.text)")
        let setCookie = try #require(answer.headers[.setCookie])
        let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(attributes.first?.hasPrefix("lemming_session=") == true)
        #expect(attributes.contains("HttpOnly"))
        #expect(attributes.contains("SameSite=Strict"))
        #expect(attributes.contains("Path=/"))
        #expect(attributes.contains("Max-Age=43200"))
        #expect(answer.json?["authenticated"] == true)
        let csrf = try #require(answer.json?["csrf_token"]?.stringValue)
        #expect(!answer.text.contains(key))
        return Login(
            cookie: try #require(attributes.first), csrf: csrf, csrfHeader: try #require(HTTPField.Name("X-CSRF-Token"))
        )
    }

    @Test func beyondLoopbackABrowserLogsInWithTheKeyAndReadsWithTheCookie() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ in
            #expect(try await client.call(.get, "/api/status").status == 401)
            let before = try #require(try await client.call(.get, "/api/session").json)
            #expect(before["authenticated"] == false)
            #expect(before["key_required_for_reads"] == true)
            #expect(before["key_required_for_changes"] == true)
            #expect(before["csrf_token"] == .null)

            let wrong = try await client.call(.post, "/api/session", json: ["key": .string(Self.key + "x")])
            #expect(wrong.status == 401)
            #expect(wrong.errorCode == "wrong_key")
            #expect(wrong.headers[.setCookie] == nil)
            #expect(try await client.call(.post, "/api/session", json: [:]).status == 400)
            // A form cannot log in: the body must be JSON.
            let form = try await client.call(
                .post, "/api/session", body: "key=\(Self.key)",
                headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == 415)

            let login = try await Self.login(client)
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 200)
            #expect(try await client.call(.get, "/metrics", headers: login.headers).status == 200)
            // Among other cookies, as a browser sends them.
            let mixed: HTTPFields = [.cookie: "theme=dark; \(login.cookie); other=1"]
            #expect(try await client.call(.get, "/api/agents", headers: mixed).status == 200)
            let after = try #require(try await client.call(.get, "/api/session", headers: login.headers).json)
            #expect(after["authenticated"] == true)
            #expect(after["csrf_token"] == .string(login.csrf))
            #expect(after["expires_at"] == "2026-01-01T12:00:00.000Z")
            // A bearer key works as before, and a wrong one is refused even with a valid cookie.
            let bearer = try await client.call(.get, "/api/status", headers: [.authorization: "Bearer \(Self.key)"])
            #expect(bearer.status == 200)
            let wrongBearer = try await client.call(
                .get, "/api/status", headers: [.authorization: "Bearer nope", .cookie: login.cookie])
            #expect(wrongBearer.status == 401)
        }
    }

    @Test func aChangeMadeWithTheCookieNeedsItsCSRFToken() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let before = try BrowserPolicyTests.snapshot(org)
        try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ in
            let login = try await Self.login(client)
            let message: JSONValue = ["to": "manager", "text": "from the dashboard"]
            let missing = try await client.call(.post, "/api/messages", json: message, headers: login.headers)
            #expect(missing.status == 403)
            #expect(missing.errorCode == "csrf_token_missing")
            var wrongHeaders = login.headers
            wrongHeaders[login.csrfHeader] = login.csrf.uppercased() + "x"
            let wrong = try await client.call(.post, "/api/messages", json: message, headers: wrongHeaders)
            #expect(wrong.status == 403)
            #expect(wrong.errorCode == "csrf_token_invalid")
            // The token of another session does not do either.
            let other = try await Self.login(client)
            #expect(other.csrf != login.csrf)
            var crossed = login.headers
            crossed[login.csrfHeader] = other.csrf
            #expect(try await client.call(.post, "/api/pause", headers: crossed).errorCode == "csrf_token_invalid")
            #expect(try BrowserPolicyTests.snapshot(org) == before)

            let sent = try await client.call(.post, "/api/messages", json: message, headers: login.changeHeaders)
            #expect(sent.status == 201 || sent.status == 200, "\(sent.text)")
            // Bearer requests need no CSRF header.
            let pause = try await client.call(.post, "/api/pause", headers: [.authorization: "Bearer \(Self.key)"])
            #expect(pause.status == 200)
        }
        let entries = try org.entries(of: Names.human)
        #expect(entries.map(\.text) == ["from the dashboard"])
    }

    @Test func onLoopbackWithAKeyReadsAreOpenAndChangesNeedTheSession() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: Self.environment) { client, _ in
            let state = try #require(try await client.call(.get, "/api/session").json)
            #expect(state["authenticated"] == false)
            #expect(state["key_required_for_reads"] == false)
            #expect(state["key_required_for_changes"] == true)
            #expect(try await client.call(.get, "/api/status").status == 200)
            #expect(try await client.call(.post, "/api/pause").status == 401)
            let login = try await Self.login(client)
            #expect(try await client.call(.post, "/api/pause", headers: login.headers).status == 403)
            #expect(try await client.call(.post, "/api/pause", headers: login.changeHeaders).status == 200)
        }
    }

    @Test func withReadsNeedKeyReadsOnLoopbackNeedTheSessionToo() async throws {
        let org = try chatOrg(config: ["server": ["reads_need_key": true]])
        defer { org.remove() }
        try await withServer(org, environment: Self.environment) { client, _ in
            let state = try #require(try await client.call(.get, "/api/session").json)
            #expect(state["key_required_for_reads"] == true)
            #expect(try await client.call(.get, "/api/status").status == 401)
            #expect(try await client.call(.get, "/api/events").status == 401)
            let login = try await Self.login(client)
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 200)
        }
        // Without a key there is nothing to need: reads stay open on loopback.
        try await withServer(org) { client, _ in
            let status = try await client.call(.get, "/api/status")
            #expect(status.status == 200)
        }
    }

    @Test func withoutAKeyThereIsNothingToLogInTo() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let state = try #require(try await client.call(.get, "/api/session").json)
            #expect(
                state == [
                    "authenticated": true, "key_required_for_reads": false, "key_required_for_changes": false,
                    "csrf_token": nil, "expires_at": nil,
                ])
            let login = try await client.call(.post, "/api/session", json: ["key": "anything"])
            #expect(login.status == 200)
            #expect(login.json == ["authenticated": true, "key_required": false])
            #expect(login.headers[.setCookie] == nil)
            #expect(try await client.call(.delete, "/api/session").status == 200)
            #expect(try await client.call(.post, "/api/pause").status == 200)
        }
    }

    @Test func afterLogoutTheCookieIsRefused() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ in
            let login = try await Self.login(client)
            let kept = try await Self.login(client)
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 200)
            let logout = try await client.call(.delete, "/api/session", headers: login.headers)
            #expect(logout.status == 200)
            #expect(logout.json?["authenticated"] == false)
            let expired = try #require(logout.headers[.setCookie])
            #expect(expired.hasPrefix("lemming_session=;"))
            #expect(expired.contains("Max-Age=0"))
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 401)
            #expect(try await client.call(.get, "/api/session", headers: login.headers).json?["csrf_token"] == .null)
            #expect(try await client.call(.post, "/api/pause", headers: login.changeHeaders).status == 401)
            // Other sessions go on.
            #expect(try await client.call(.get, "/api/status", headers: kept.headers).status == 200)
        }
    }

    @Test func sessionsOutliveARestartButNotAChangedKey() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let login = try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ in
            try await Self.login(client)
        }
        // The same key after a restart: the session is still valid, with the same CSRF token.
        try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ async throws in
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 200)
            #expect(try await client.call(.post, "/api/pause", headers: login.changeHeaders).status == 200)
        }
        // Another key: the token was signed under a secret the server no longer has.
        try await withServer(org, environment: ["LEMMING_API_KEY": "another-key-9876543210"], host: "0.0.0.0") {
            client, _ async throws in
            #expect(try await client.call(.get, "/api/status", headers: login.headers).status == 401)
            #expect(try await client.call(.get, "/api/session", headers: login.headers).json?["authenticated"] == false)
        }
    }

    @Test func tamperedAndExpiredTokensAreRefused() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let clock = SettableClock()
        try await withServer(org, environment: Self.environment, host: "0.0.0.0", clock: clock) { client, _ in
            let login = try await Self.login(client)
            let token = String(login.cookie.dropFirst("lemming_session=".count))
            let parts = token.split(separator: ".").map(String.init)
            #expect(parts.count == 4)
            func status(_ token: String) async throws -> Int {
                try await client.call(.get, "/api/status", headers: [.cookie: "lemming_session=\(token)"]).status
            }
            #expect(try await status(token) == 200)
            // A later expiry, another nonce, a changed signature, pieces missing, garbage.
            let expiry = try #require(Int(parts[1]))
            var tampered = [
                [parts[0], String(expiry + 86_400), parts[2], parts[3]].joined(separator: "."),
                [parts[0], parts[1], "AAAAAAAAAAAAAAAAAAAAAA", parts[3]].joined(separator: "."),
                [parts[0], parts[1], parts[2], String(parts[3].reversed())].joined(separator: "."),
                [parts[0], parts[1], parts[2]].joined(separator: "."),
                ["v2", parts[1], parts[2], parts[3]].joined(separator: "."),
                token + "x", "", ".", "v1...", String(repeating: "v1.1.a.b", count: 100),
            ]
            tampered.append(token.replacingOccurrences(of: ".", with: "%2E"))
            for bad in tampered { #expect(try await status(bad) == 401, "\(bad)") }
            // Still valid a second before it expires, refused from then on.
            clock.advance(seconds: 12 * 3600 - 1)
            #expect(try await status(token) == 200)
            clock.advance(seconds: 1)
            #expect(try await status(token) == 401)
            #expect(try await client.call(.get, "/api/session", headers: login.headers).json?["authenticated"] == false)
        }
    }

    @Test func theEventStreamAcceptsTheSessionCookie() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: Self.environment, host: "0.0.0.0", setup: .live) { client, server in
            let port = try #require(client.port)
            func connect(cookie: String?) async throws {
                var configuration = WebSocketClientConfiguration()
                if let cookie { configuration.additionalHeaders = [.cookie: cookie] }
                try await client.ws("/api/events", configuration: configuration) { _, _, _ in }
            }
            await #expect(throws: (any Error).self) { try await connect(cookie: nil) }
            await #expect(throws: (any Error).self) { try await connect(cookie: "lemming_session=v1.1.a.b") }
            let login = try await Self.login(client)
            try await connect(cookie: login.cookie)
            // With the cookie, events arrive: a tick run while connected.
            _ = try await server.backend.step()
            let events = try await EventStreamTests.collect(
                client, "/api/events?since=0", headers: [.cookie: login.cookie],
                until: { frames in frames.contains { $0["type"] == "tick_finished" } })
            #expect(events.contains { $0["type"] == "tick_started" && $0["tick"] == 1 })
            // As a browser's upgrade from the server's own page: 101 with the cookie, refused without
            // (a refused upgrade is answered 400; a browser sees only that the socket failed).
            func upgrade(cookie: String?) async throws -> Int? {
                let cookieLine = cookie.map { "Cookie: \($0)\r\n" } ?? ""
                return BrowserPolicyTests.status(
                    try await RawConnection(port: port).exchange(
                        "GET /api/events HTTP/1.1\r\nHost: localhost:\(port)\r\nOrigin: http://localhost:\(port)\r\n"
                            + cookieLine + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 0\r\n\r\n"))
            }
            #expect(try await upgrade(cookie: nil) == 400)
            #expect(try await upgrade(cookie: login.cookie) == 101)
            _ = try await client.call(.delete, "/api/session", headers: login.headers)
            #expect(try await upgrade(cookie: login.cookie) == 400)
        }
    }

    @Test func loginAttemptsAreRateLimited() async throws {
        let org = try chatOrg(config: ["server": ["rate_limits": ["writes_per_minute": 3]]])
        defer { org.remove() }
        try await withServer(org, environment: Self.environment, host: "0.0.0.0") { client, _ in
            for _ in 1...3 {
                #expect(try await client.call(.post, "/api/session", json: ["key": "guess"]).status == 401)
            }
            let limited = try await client.call(.post, "/api/session", json: ["key": .string(Self.key)])
            #expect(limited.status == 429)
            #expect(limited.headers[.setCookie] == nil)
        }
    }

    @Test func tokensAreSignedUnderTheKeysAndCheckedByTheClock() throws {
        let clock = SettableClock()
        let sessions = try #require(SessionTokens(keys: [Array("a".utf8)], clock: clock, lifetimeSeconds: 60))
        let session = sessions.issue()
        #expect(sessions.verify(session.token) == session)
        #expect(session.expiresAt == clock.now().addingTimeInterval(60))
        #expect(sessions.issue().token != session.token)
        // The same keys in another process verify it; other keys, or the same bytes split into other keys, do not.
        #expect(SessionTokens(keys: [Array("a".utf8)], clock: clock)?.verify(session.token) == session)
        #expect(SessionTokens(keys: [Array("b".utf8)], clock: clock)?.verify(session.token) == nil)
        #expect(SessionTokens(keys: [Array("a".utf8), Array("b".utf8)], clock: clock)?.verify(session.token) == nil)
        #expect(SessionTokens(keys: [], clock: clock) == nil)
        #expect(sessions.isValidCSRFToken(session.csrfToken, for: session))
        #expect(!sessions.isValidCSRFToken(session.token, for: session))
        clock.advance(seconds: 60)
        #expect(sessions.verify(session.token) == nil)
        #expect(
            SessionTokens.cookieValues(["a=1; lemming_session=x", "lemming_session= y ;lemming_sessionz=3"])
                == ["x", "y"])
    }

    @Test func theOpenAPIDocumentDescribesTheSessionScheme() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let document = try #require(try await client.call(.get, "/api/openapi.json").json)
            let scheme = document["components"]?["securitySchemes"]?["cookieAuth"]
            #expect(scheme?["type"] == "apiKey")
            #expect(scheme?["in"] == "cookie")
            #expect(scheme?["name"] == "lemming_session")
            let session = try #require(document["paths"]?["/api/session"]?.objectValue)
            #expect(Set(session.keys) == ["get", "post", "delete"])
            let pause = document["paths"]?["/api/pause"]?["post"]
            #expect(pause?["security"]?.arrayValue?.contains(["cookieAuth": []]) == true)
            #expect(
                pause?["parameters"]?.arrayValue?.contains { $0["name"] == "X-CSRF-Token" && $0["in"] == "header" }
                    == true)
        }
    }
}
