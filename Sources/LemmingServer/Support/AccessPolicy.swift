import HTTPTypes
import Hummingbird
import LemmingCore

/// Who may call what (DESIGN §8): API keys from the environment, compared in constant time.
///
/// With no key configured the server must be bound to loopback, and everything is open to local
/// clients. With keys, changes always need one, and reads need one when the server is bound
/// beyond loopback.
struct AccessPolicy: Sendable {
    let keys: [[UInt8]]
    let isLoopback: Bool

    /// - Throws: ``LemmingError`` when the host is not loopback and no key is configured.
    init(settings: ServerSettings, host: String, environment: [String: String]) throws {
        keys = settings.apiKeyVariables.compactMap { environment[$0] }.filter { !$0.isEmpty }.map { Array($0.utf8) }
        isLoopback = Self.isLoopback(host)
        guard isLoopback || !keys.isEmpty else {
            let variables = settings.apiKeyVariables.joined(separator: ", ")
            throw LemmingError(
                .invalidArgument,
                "refusing to serve on \(host) without an API key: set \(variables.isEmpty ? "server.api_key_env" : variables) "
                    + "or bind to 127.0.0.1")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    func needsKey(_ access: APIRoute.Access) -> Bool {
        switch access {
        case .open: return false
        case .read: return !isLoopback
        case .write: return !keys.isEmpty || !isLoopback
        }
    }

    /// Checks the request's `Authorization: Bearer <key>` when the route needs a key.
    func check(_ access: APIRoute.Access, request: Request) throws {
        guard needsKey(access) else { return }
        let unauthorized = APIError(
            .unauthorized, "unauthorized", "this endpoint needs an API key: Authorization: Bearer <key>",
            headers: [.wwwAuthenticate: "Bearer"])
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw unauthorized }
        let presented = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        var matched = false
        for key in keys where Self.constantTimeEqual(key, presented) { matched = true }
        guard matched else { throw unauthorized }
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
