import Hummingbird
import Logging
import NIOCore

/// Turns every error into the API's JSON error shape; an unexpected one is logged and answered
/// as a 500 that tells nothing about the internals. An error that closes the connection (a body
/// over the limit) is answered, then the connection is closed, so the rest of the request is
/// never read.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let answer = APIError.from(error)
            if answer.status == .internalServerError {
                context.logger.error(
                    "request failed",
                    metadata: ["path": "\(request.uri.path)", "error": "\(String(describing: error))"])
            }
            guard answer.closesConnection else { return answer.response }
            return Self.closingAfterwards(answer.response, channel: context.channel)
        }
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
