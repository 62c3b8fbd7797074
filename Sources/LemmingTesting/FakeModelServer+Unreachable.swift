#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FakeModelServer {
    /// Runs `body` with the base URL of an endpoint that refuses every connection, for as long as
    /// `body` runs.
    ///
    /// The port is bound on 127.0.0.1 but never listened on, so connecting to it is refused
    /// (ECONNREFUSED), and, because it stays bound, no other server can take it meanwhile. A port
    /// that a stopped server left closed gives no such guarantee: a test running at the same time
    /// may get it and answer.
    ///
    /// - Parameter format: decides the base URL's shape (OpenAI's ends in `/v1`).
    /// - Throws: ``FakeServerError`` when no port could be bound, or what `body` throws.
    public static func withUnreachableEndpoint<Result>(
        format: Format,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (_ baseURL: String) async throws -> Result
    ) async throws -> Result {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw FakeServerError("socket() failed (errno \(errno))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else { throw FakeServerError("could not bind a port on 127.0.0.1 (errno \(errno))") }
        let port = Int(UInt16(bigEndian: address.sin_port))
        return try await body(format == .openAI ? "http://127.0.0.1:\(port)/v1" : "http://127.0.0.1:\(port)")
    }
}
