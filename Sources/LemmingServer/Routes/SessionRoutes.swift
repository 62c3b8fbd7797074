import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON

/// `/api/session`: the browser session scheme of DESIGN §8 (``SessionTokens``).
///
/// - `GET` tells a page whether it needs to log in, and gives back the CSRF token of the session
///   its cookie holds (after a reload).
/// - `POST {"key": "<api key>"}` checks the key and sets the `lemming_session` cookie (HttpOnly,
///   SameSite=Strict); it is rate-limited as a change, so keys cannot be guessed fast. With no key
///   configured it sets nothing: everything is open to loopback clients.
/// - `DELETE` logs out: the cookie is removed, and its token is refused by this process.
enum SessionRoutes {
    static let all: [APIRoute] = [
        APIRoute(
            method: .get, path: "/api/session", operationID: "getSession",
            summary:
                "Whether the client is authenticated and which requests need a key; csrf_token (for the header "
                + "X-CSRF-Token) and expires_at when the request carries a valid session cookie, else null.",
            tag: "session", access: .open
        ) { request, _, backend in
            let access = backend.access
            return .json(
                state(access, session: access.session(of: request), isAuthenticated: access.isAuthenticated(request)))
        },
        APIRoute(
            method: .post, path: "/api/session", operationID: "createSession",
            summary:
                "Log a browser in with an API key: sets the HttpOnly, SameSite=Strict cookie lemming_session that "
                + "the API and the WebSocket accept, and answers the CSRF token its changes must send in "
                + "X-CSRF-Token. With no key configured, answers key_required false and sets nothing.",
            tag: "session", access: .open,
            body: ["type": "object", "properties": ["key": ["type": "string"]]],
            errors: [401, 413, 429]
        ) { request, context, backend in
            try limit(context, backend, operation: "createSession")
            let body = try await request.jsonObject(limit: backend.settings.maxBodyBytes)
            guard let sessions = backend.access.sessions else {
                return .json(["authenticated": true, "key_required": false])
            }
            guard let key = try AgentRoutes.string(body, "key"), !key.isEmpty else {
                throw APIError.badRequest("is required: the API key", field: "key")
            }
            guard backend.access.isKey(key) else {
                throw APIError(.unauthorized, "wrong_key", "this is not the server's API key", field: "key")
            }
            let session = sessions.issue()
            var response = Response.json([
                "authenticated": true, "key_required": true, "csrf_token": .string(session.csrfToken),
                "expires_at": .string(Timestamp.format(session.expiresAt)),
            ])
            response.headers[.setCookie] = sessions.cookie(for: session)
            return response
        },
        APIRoute(
            method: .delete, path: "/api/session", operationID: "deleteSession",
            summary:
                "Log out: removes the session cookie; its token is refused from now on. Answers as GET /api/session "
                + "does, without the session.",
            tag: "session", access: .open, errors: [429]
        ) { request, context, backend in
            try limit(context, backend, operation: "deleteSession")
            let access = backend.access
            guard let sessions = access.sessions else {
                return .json(state(access, session: nil, isAuthenticated: true))
            }
            for token in SessionTokens.cookieValues(request.headers[values: .cookie]) {
                if let session = sessions.verify(token) { sessions.revoke(session) }
            }
            var response = Response.json(state(access, session: nil, isAuthenticated: access.isAuthenticated(request)))
            response.headers[.setCookie] = SessionTokens.expiredCookie
            return response
        },
    ]

    private static func state(
        _ access: AccessPolicy, session: SessionTokens.Session?, isAuthenticated: Bool
    )
        -> JSONValue
    {
        [
            "authenticated": .bool(isAuthenticated),
            "key_required_for_reads": .bool(access.needsKey(.read)),
            "key_required_for_changes": .bool(access.needsKey(.write)),
            "csrf_token": .optional(session?.csrfToken),
            "expires_at": .optional(session.map { Timestamp.format($0.expiresAt) }),
        ]
    }

    /// The rate limit of changes, for these open routes.
    private static func limit(_ context: APIContext, _ backend: OrgBackend, operation: String) throws {
        try backend.limiter.take("\(context.client) \(operation)", perMinute: backend.settings.writesPerMinute)
    }
}
