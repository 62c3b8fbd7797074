import HTTPTypes
import Hummingbird

/// Headers every answer carries: no sniffing, no framing, no referrer, no caching of API data, and
/// a Content-Security-Policy that loads nothing unless the route set its own (the dashboard).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Headers HTTPTypes has no name constant for.
    static var named: [(String, String)] { [("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")] }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        for (name, value) in Self.named {
            if let name = HTTPField.Name(name) { response.headers[name] = value }
        }
        // The dashboard's files bring their own policy; everything else may load nothing.
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        response.headers[.crossOriginResourcePolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
