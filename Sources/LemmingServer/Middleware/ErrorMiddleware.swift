import Hummingbird
import Logging
import NIOCore

/// Turns every error into the API's JSON error shape; an unexpected one is logged and answered
/// as a 500 that tells nothing about the internals. An error that closes the connection (a body
/// over the limit) is answered, then the connection is closed, so the rest of the request is
/// never read. A request for a path the API serves with other methods is answered 405
/// `method_not_allowed` with an `Allow` header (RFC 9110 §15.5.6) rather than 404.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    /// The routes, to tell a wrong method from a wrong path; none: every miss is a 404.
    var routes: [APIRoute] = []

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            var answer = APIError.from(error)
            if answer.code == "no_route" { answer = Self.wrongMethod(request, routes: routes) ?? answer }
            if answer.status == .internalServerError {
                context.logger.error(
                    "request failed",
                    metadata: ["path": "\(request.uri.path)", "error": "\(String(describing: error))"])
            }
            guard answer.closesConnection else { return answer.response }
            return Self.closingAfterwards(answer.response, channel: context.channel)
        }
    }

    /// 405 naming the methods the path is served with, if it is served with any.
    static func wrongMethod(_ request: Request, routes: [APIRoute]) -> APIError? {
        let path = request.uri.path
        let allowed = routes.filter { $0.matches(path: path) }.map(\.method.rawValue)
        guard !allowed.isEmpty else { return nil }
        let list = Array(Set(allowed)).sorted().joined(separator: ", ")
        return APIError(
            .methodNotAllowed, "method_not_allowed",
            "\(request.method.rawValue) is not allowed on \(path); use \(list)", headers: [.allow: list])
    }

    /// `response` with a body that closes `channel` once it is written.
    static func closingAfterwards(_ response: Response, channel: any Channel) -> Response {
        var response = response
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            channel.close(promise: nil)
        }
        return response
    }
}
