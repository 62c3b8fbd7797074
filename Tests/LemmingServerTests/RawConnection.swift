import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection, for requests an HTTP client will not send (a foreign `Host`, a body
/// that goes on after the answer).
///
/// Waits never block a thread: the server under test answers on the same cooperative thread
/// pool, so a blocking `poll(2)` here could starve it. They poll without waiting and sleep a
/// little between looks; the test's time limit bounds the loops around them.
final class RawConnection {
    private let descriptor: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects to `host` (every address it resolves to, in order) on `port`.
    init(host: String = "localhost", port: Int) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, 0)
            if socket >= 0 {
                if connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                    descriptor = socket
                    return
                }
                close(socket)
            }
            entry = address.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port)")
    }

    deinit { close(descriptor) }

    /// Waits up to `looks` short sleeps for `events` (`POLLIN`, `POLLOUT`).
    ///
    /// - Returns: the events that came (0 when none did).
    private func wait(for events: Int32, looks: Int) async -> Int16 {
        for look in 0...looks {
            var descriptor = pollfd(fd: self.descriptor, events: Int16(events), revents: 0)
            if poll(&descriptor, 1, 0) > 0 { return descriptor.revents }
            if look < looks { try? await Task.sleep(for: .milliseconds(2)) }
        }
        return 0
    }

    /// Sends what the socket takes, looking up to `looks` times for room.
    ///
    /// - Returns: the bytes sent (0 when the peer reads nothing more for now), or `nil` once the
    ///   peer closed or reset the connection.
    func send(_ bytes: ArraySlice<UInt8>, looks: Int = 25) async -> Int? {
        let events = await wait(for: POLLOUT, looks: looks)
        if events == 0 { return 0 }
        if events & Int16(POLLERR | POLLHUP) != 0 { return nil }
        let count = bytes.withUnsafeBytes { buffer in
            Glibc.send(self.descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if count < 0 { return errno == EAGAIN || errno == EINTR ? 0 : nil }
        return count
    }

    /// Reads what arrived, looking up to `looks` times.
    ///
    /// - Returns: the bytes (empty when nothing came), or `nil` at the end of the stream.
    func receive(looks: Int = 25) async -> [UInt8]? {
        guard await wait(for: POLLIN, looks: looks) != 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes {
            recv(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
        }
        if count < 0 { return errno == EAGAIN || errno == EINTR ? [] : nil }
        if count == 0 { return nil }
        return Array(buffer[..<count])
    }

    /// Sends a whole request and reads one answer: its head and the `Content-Length` bytes of its
    /// body, or up to the end of the stream.
    func exchange(_ request: String) async -> String {
        var bytes = Array(request.utf8)[...]
        while !bytes.isEmpty {
            guard let sent = await send(bytes) else { break }
            bytes = bytes.dropFirst(sent)
        }
        var answer: [UInt8] = []
        while !Self.isComplete(answer), let more = await receive() { answer += more }
        return String(decoding: answer, as: UTF8.self)
    }

    /// Whether `bytes` hold a whole answer: its head, and as many bytes of body as its
    /// `Content-Length` says (an answer without one, such as a 101, is its head).
    static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) else {
            return true
        }
        guard let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else {
            return false
        }
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }
}
