import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingDashboard
import NIOCore

/// The dashboard (DESIGN §8): `GET /` is its page, `GET /ui/<file>` its scripts, styles and images.
///
/// The files are open to anyone who may reach the server (they hold no data: every datum comes
/// from the API, with the API's access rules) and carry their own Content-Security-Policy, which
/// allows scripts, styles and connections to this origin only and no inline script. Answers carry
/// an `ETag` and are revalidated (`Cache-Control: no-cache`), so a new binary's files are never
/// mixed with an old one's.
///
/// With `LEMMING_DASHBOARD_DIR` set to a folder of the same files, they are read from it on every
/// request (for working on the dashboard without rebuilding) and never cached.
enum DashboardRoutes {
    /// The policy of the dashboard's pages; the API keeps `default-src 'none'`.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The environment variable naming a folder to serve the files from instead of the binary.
    static let developmentVariable = "LEMMING_DASHBOARD_DIR"

    static func add(to router: Router<APIContext>, environment: [String: String]) {
        let source = AssetSource(folder: environment[developmentVariable].flatMap { $0.isEmpty ? nil : $0 })
        router.get("/") { request, _ in try source.response(for: "index.html", request: request) }
        router.get("/ui/:file") { request, context in
            try source.response(for: context.parameters.get("file") ?? "", request: request)
        }
    }

    /// Where the files come from: the binary (with precomputed tags) or a development folder.
    struct AssetSource: Sendable {
        let folder: String?
        let tags: [String: String]

        init(folder: String?) {
            self.folder = folder
            tags = DashboardAssets.files.mapValues(Self.tag)
        }

        static func tag(_ bytes: [UInt8]) -> String {
            var hash = FNV1a.offsetBasis
            FNV1a.hash(bytes, into: &hash)
            return "\"\(FNV1a.hex(hash))\""
        }

        func response(for name: String, request: Request) throws -> Response {
            let notFound = APIError.notFound("the dashboard has no file named '\(name)'")
            guard DashboardAssets.isValidName(name), let contentType = DashboardAssets.contentType(of: name) else {
                throw notFound
            }
            var headers: HTTPFields = [
                .contentType: contentType, .contentSecurityPolicy: DashboardRoutes.contentSecurityPolicy,
            ]
            let bytes: [UInt8]
            if let folder {
                guard let read = try? FileSystem.readIfPresent(folder + "/" + name) else { throw notFound }
                bytes = read
                headers[.cacheControl] = "no-store"
            } else {
                guard let embedded = DashboardAssets.files[name], let tag = tags[name] else { throw notFound }
                headers[.cacheControl] = "no-cache"
                headers[.eTag] = tag
                if request.headers[.ifNoneMatch] == tag {
                    return Response(status: .notModified, headers: headers)
                }
                bytes = embedded
            }
            var buffer = ByteBuffer()
            buffer.writeBytes(bytes)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
        }
    }
}
