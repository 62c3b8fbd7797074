import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON

/// One endpoint of the API: how it is routed, who may call it, and how it is documented. The
/// router and `/api/openapi.json` are both built from the one table of these.
struct APIRoute: Sendable {
    /// Who may call the route (DESIGN §8).
    enum Access: Sendable {
        /// Health checks and `/api/session`: always open (logging in and out are rate-limited as changes).
        case open
        /// Reads: need a key when the server is bound beyond loopback.
        case read
        /// Changes: need a key unless the server is on loopback with no key configured.
        case write
    }

    /// A documented query parameter.
    struct Parameter: Sendable {
        var name: String
        var type: String
        var description: String
    }

    typealias Handler = @Sendable (Request, APIContext, OrgBackend) async throws -> Response

    var method: HTTPRequest.Method
    /// The path in OpenAPI form: `/api/agents/{name}`.
    var path: String
    var operationID: String
    var summary: String
    var tag: String
    var access: Access
    var query: [Parameter] = []
    /// The JSON Schema of the request body, when it takes one.
    var body: JSONValue?
    /// The status of a successful answer.
    var success: Int = 200
    /// Other statuses it answers besides 400, 401, 429 and 500.
    var errors: [Int] = []
    var handler: Handler

    /// The path in the router's form: `/api/agents/:name`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
    }

    /// Whether `path` (a request's path, without its query) is this route's path with its
    /// parameters filled in.
    func matches(path: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: false)
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == segments.count else { return false }
        return zip(pattern, segments).allSatisfy { expected, segment in
            expected.hasPrefix("{") && expected.hasSuffix("}") ? !segment.isEmpty : expected == segment
        }
    }

    /// The names of the path's parameters.
    var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    static let limit = Parameter(name: "limit", type: "integer", description: "Items per page (1-500, default 50).")
}

extension APIContext {
    /// A path parameter that must be an agent name (never a path: `..` and `/` cannot pass).
    func agentName(allowHuman: Bool = true) throws -> String {
        let name = parameters.get("name") ?? ""
        guard Names.isValidAgentName(name), allowHuman || name != Names.human else {
            throw APIError.notFound("no agent named '\(name)'")
        }
        return name
    }
}
