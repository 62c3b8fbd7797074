import HTTPTypes
import Hummingbird
import LemmingCore

/// Who may call what (DESIGN §8): API keys from the environment, compared in constant time, or a
/// browser session that proved it knew one (``SessionTokens``).
///
/// With no key configured the server must be bound to loopback, and everything is open to local
/// clients. With keys, changes always need one, and reads need one when the server is bound
/// beyond loopback or `server.reads_need_key` is set. A request shows it holds a key with
/// `Authorization: Bearer <key>` or with the `lemming_session` cookie; a change made with the
/// cookie must also carry the session's CSRF token in `X-CSRF-Token` (a page of another site can
/// make the browser send the cookie, not read the token).
struct AccessPolicy: Sendable {
    let keys: [[UInt8]]
    let isLoopback: Bool
    /// `server.reads_need_key`: with a key set, reads need it on loopback too.
    let readsNeedKey: Bool
    /// Browser sessions; `nil` when no key is configured.
    let sessions: SessionTokens?

    /// - Throws: ``LemmingError`` when the host is not loopback and no key is configured.
    init(settings: ServerSettings, host: String, environment: [String: String], clock: any WallClock) throws {
        keys = settings.apiKeyVariables.compactMap { environment[$0] }.filter { !$0.isEmpty }.map { Array($0.utf8) }
        isLoopback = Self.isLoopback(host)
        readsNeedKey = settings.readsNeedKey
        guard isLoopback || !keys.isEmpty else {
            let variables = settings.apiKeyVariables.joined(separator: ", ")
            throw LemmingError(
                .invalidArgument,
                "refusing to serve on \(host) without an API key: set \(variables.isEmpty ? "server.api_key_env" : variables) "
                    + "or bind to 127.0.0.1")
        }
        sessions = SessionTokens(keys: keys, clock: clock)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    static let csrfHeader = HTTPField.Name(SessionTokens.csrfHeaderName)

    func needsKey(_ access: APIRoute.Access) -> Bool {
        switch access {
        case .open: return false
        case .read: return !isLoopback || (readsNeedKey && !keys.isEmpty)
        case .write: return !keys.isEmpty || !isLoopback
        }
    }

    /// Checks the request's key or session when the route needs a key.
    ///
    /// An `Authorization` header decides alone: a wrong key is refused even with a valid cookie.
    ///
    /// - Throws: ``APIError`` 401 without a valid key or session; 403 (`csrf_token_missing`,
    ///   `csrf_token_invalid`) for a change made with the session cookie without its CSRF token.
    func check(_ access: APIRoute.Access, request: Request) throws {
        guard needsKey(access) else { return }
        if let header = request.headers[.authorization] {
            guard hasKey(header) else { throw Self.unauthorized }
            return
        }
        guard let sessions, let session = session(of: request) else { throw Self.unauthorized }
        guard access == .write else { return }
        guard let name = Self.csrfHeader, let presented = request.headers[name], !presented.isEmpty else {
            throw APIError(
                .forbidden, "csrf_token_missing",
                "a change made with the session cookie needs the header \(SessionTokens.csrfHeaderName) "
                    + "(the csrf_token of POST or GET /api/session)")
        }
        guard sessions.isValidCSRFToken(presented, for: session) else {
            throw APIError(
                .forbidden, "csrf_token_invalid",
                "the \(SessionTokens.csrfHeaderName) header is not this session's token (GET /api/session gives it)")
        }
    }

    /// Whether the request may do everything a key allows: no key is configured, or it carries a
    /// valid key or session.
    func isAuthenticated(_ request: Request) -> Bool {
        if keys.isEmpty { return true }
        if let header = request.headers[.authorization] { return hasKey(header) }
        return session(of: request) != nil
    }

    /// The valid session of the request's `lemming_session` cookie, if it has one.
    func session(of request: Request) -> SessionTokens.Session? {
        guard let sessions else { return nil }
        for token in SessionTokens.cookieValues(request.headers[values: .cookie]) {
            if let session = sessions.verify(token) { return session }
        }
        return nil
    }

    /// Whether `presented` is one of the keys (compared in constant time, every key tried).
    func isKey(_ presented: String) -> Bool {
        let bytes = Array(presented.utf8)
        var matched = false
        for key in keys where Self.constantTimeEqual(key, bytes) { matched = true }
        return matched
    }

    /// Whether an `Authorization` header carries one of the keys.
    private func hasKey(_ header: String) -> Bool {
        header.hasPrefix("Bearer ") && isKey(String(header.dropFirst("Bearer ".count)))
    }

    static var unauthorized: APIError {
        APIError(
            .unauthorized, "unauthorized",
            "this endpoint needs an API key (Authorization: Bearer <key>) or a session (POST /api/session)",
            headers: [.wwwAuthenticate: "Bearer"])
    }

    /// Compares without stopping at the first difference, so timing says nothing about the key.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        let count = max(left.count, right.count)
        for index in 0..<count {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0 && left.count == right.count
    }
}
