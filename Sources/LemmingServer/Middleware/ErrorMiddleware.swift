import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape; an unexpected one is logged and answered
/// as a 500 that tells nothing about the internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
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
            return answer.response
        }
    }
}
