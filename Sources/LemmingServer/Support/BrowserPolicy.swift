import HTTPTypes
import Hummingbird
import LemmingCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a browser may make the server do (DESIGN §8). Any web page can send requests to a server
/// on 127.0.0.1; these rules keep such a page from changing the org:
///
/// - `Host` must name this server: the bound address, a loopback name when bound to loopback or
///   to every address, any IP address when bound to every address, or a name of
///   `server.allowed_hosts`. A page of `evil.example` whose name was re-pointed at 127.0.0.1 (DNS
///   rebinding) sends `Host: evil.example:7777` and is answered 421.
/// - A change (`POST`, `PUT`, `PATCH`, `DELETE`) or a WebSocket upgrade that carries an `Origin`
///   must come from the server's own origin (`http://127.0.0.1:7777`; `ws://127.0.0.1` from a
///   WebSocket client) or one of `server.cors_origins`: otherwise 403.
///   Clients that are not browsers (curl) send no `Origin` and are not affected.
/// - A request body must be `application/json` (parameters such as `charset` allowed): a page can
///   post `text/plain` or a form without asking first, never JSON. Otherwise 415.
///
/// It does not replace API keys: it is what protects the key-less loopback mode from browsers.
final class BrowserPolicy: Sendable {
    /// Host names (lowercased, IPv6 in brackets) that name this server.
    let names: Set<String>
    /// Bound to every address: any IP literal names the server (an address cannot be re-pointed).
    let acceptsAnyAddress: Bool
    /// `server.cors_origins`.
    let origins: Set<String>
    /// The port the server listens on; 0 until it is known (the configured port may be 0).
    private let port: Atomic<Int>

    static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]"]

    init(settings: ServerSettings, host: String, port: Int) {
        let bound = Self.normalized(host)
        let isWildcard = ["0.0.0.0", "[::]"].contains(bound)
        var names = Set(settings.allowedHosts.map(Self.normalized))
        if AccessPolicy.isLoopback(host) || isWildcard { names.formUnion(Self.loopbackNames) }
        if !isWildcard { names.insert(bound) }
        self.names = names
        acceptsAnyAddress = isWildcard
        origins = Set(settings.corsOrigins)
        self.port = Atomic(port)
    }

    /// Records the port the server listens on, once it is bound.
    func bound(port: Int) {
        self.port.store(port, ordering: .relaxed)
    }

    /// Checks a request against the rules above.
    ///
    /// - Throws: ``APIError`` 400 (no or several `Host`), 421 (a foreign `Host`), 403 (a foreign
    ///   `Origin` on a change or an upgrade), 415 (a body that is not JSON).
    func check(_ request: Request) throws {
        try checkHost(request)
        let isUpgrade = request.headers[.upgrade] != nil
        if Self.changes(request.method) || isUpgrade { try checkOrigin(request) }
        try checkContentType(request)
    }

    static func changes(_ method: HTTPRequest.Method) -> Bool {
        [.post, .put, .patch, .delete].contains(method)
    }

    private func checkHost(_ request: Request) throws {
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw APIError(.badRequest, "bad_host", "the request has no Host header")
        }
        if let name = HTTPField.Name("Host"), request.headers[name] != nil {
            throw APIError(.badRequest, "bad_host", "the request has more than one Host header")
        }
        guard let (name, port) = Self.split(authority: authority), names(name, port: port) else {
            throw APIError(
                .misdirectedRequest, "host_not_allowed",
                "Host '\(authority)' does not name this server; add the name to server.allowed_hosts in "
                    + "lemming.json to serve it")
        }
    }

    private func checkOrigin(_ request: Request) throws {
        // Every Origin a request carries must pass (a browser sends one).
        for origin in request.headers[values: .origin] where !origins.contains(origin) && !isOwn(origin: origin) {
            throw APIError(
                .forbidden, "origin_not_allowed",
                "requests from origin \(origin) may not change anything; add it to server.cors_origins in lemming.json "
                    + "to allow it")
        }
    }

    private func checkContentType(_ request: Request) throws {
        let length = request.headers[.contentLength].flatMap(Int.init)
        let hasBody = (length ?? 0) > 0 || request.headers[.transferEncoding] != nil
        guard hasBody else { return }
        let type = request.headers[.contentType] ?? ""
        let mediaType = type.split(separator: ";", maxSplits: 1).first.map {
            String($0).trimmingWhitespace().lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json (got \(type.isEmpty ? "none" : type))")
        }
    }

    /// Whether `name` (and `port`, when given) names this server.
    private func names(_ name: String, port: Int?) -> Bool {
        let bound = self.port.load(ordering: .relaxed)
        if let port, bound != 0, port != bound { return false }
        return names.contains(name) || (acceptsAnyAddress && Self.isAddress(name))
    }

    /// Whether `origin` is this server: a page of it (`http://host[:port]`), or a WebSocket client
    /// that names it (`ws://host[:port]`; browsers never send such an origin, and some clients
    /// leave the port out).
    private func isOwn(origin: String) -> Bool {
        let schemes: [(String, Int?)] = [("http://", 80), ("https://", 443), ("ws://", nil), ("wss://", nil)]
        for (scheme, defaultPort) in schemes where origin.hasPrefix(scheme) {
            guard let (name, port) = Self.split(authority: String(origin.dropFirst(scheme.count))) else { return false }
            return names(name, port: port ?? defaultPort)
        }
        return false
    }

    /// `host[:port]` or `[v6][:port]` → the lowercased name and the port.
    static func split(authority: String) -> (name: String, port: Int?)? {
        let text = authority.lowercased()
        var name = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = String(text[...close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            name = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard !name.isEmpty, !name.contains("/"), !name.contains("@") else { return nil }
        guard let portText else { return (name, nil) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText),
            port <= 65_535
        else { return nil }
        return (name, port)
    }

    /// A host as `Host` names it: lowercased, an IPv6 address in brackets.
    static func normalized(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.contains(":") && !lower.hasPrefix("[") ? "[\(lower)]" : lower
    }

    /// Whether `name` is an IPv4 address or a bracketed IPv6 address.
    static func isAddress(_ name: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        if name.hasPrefix("["), name.hasSuffix("]") {
            return inet_pton(AF_INET6, String(name.dropFirst().dropLast()), &buffer) == 1
        }
        return inet_pton(AF_INET, name, &buffer) == 1
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Applies the ``BrowserPolicy`` to every request, before anything else answers it.
struct BrowserPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: BrowserPolicy

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            try policy.check(request)
        } catch let error as APIError {
            // Answered here: this middleware sits outside the one that turns errors into JSON.
            return error.response
        }
        return try await next(request, context)
    }
}
