import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// The MCP streamable HTTP transport, client side (specification 2025-06-18, "Transports"):
/// each message is POSTed to the endpoint, which answers `202 Accepted`, one JSON message, or a
/// Server-Sent Events stream of messages; the session id the server gives (`Mcp-Session-Id`) and
/// the negotiated protocol version (`MCP-Protocol-Version`) go with every later request, and the
/// session is ended with a `DELETE`.
///
/// Written on AsyncHTTPClient because the SDK's `HTTPClientTransport` cannot read SSE answers on
/// Linux (it hands the whole stream on as one message). The GET stream of server-initiated
/// messages is not opened: tool calls need only the answers to the engine's own requests.
actor StreamableHTTPTransport: Transport {
    /// A failure of the endpoint; its message never holds a header's value.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    nonisolated let logger: Logger
    private let url: String
    private let headers: [(String, String)]
    private let client: HTTPClient
    private let maxMessageBytes: Int
    private let requestTimeout: TimeAmount
    private var sessionID: String?
    private var protocolVersion: String?
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let endings: AsyncStream<String>
    private let ending: AsyncStream<String>.Continuation

    /// - Parameters:
    ///   - headers: extra headers (`Authorization`), already resolved from the environment.
    ///   - requestTimeout: the longest one request (and the stream it answers with) may take.
    init(
        url: String, headers: [(String, String)], client: HTTPClient, maxMessageBytes: Int,
        requestTimeout: Duration, logger: Logger
    ) {
        self.url = url
        self.headers = headers
        self.client = client
        self.maxMessageBytes = maxMessageBytes
        self.requestTimeout = .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000)
        self.logger = logger
        (messages, continuation) = AsyncThrowingStream.makeStream()
        (endings, ending) = AsyncStream.makeStream()
    }

    /// Returns why the session ended (the server forgot it), or `nil` when the task is cancelled.
    nonisolated func closed() async -> String? {
        for await reason in endings { return reason }
        return nil
    }

    func connect() async throws {}

    /// Ends the session (a `DELETE` the server may refuse) and the stream of messages.
    func disconnect() async {
        continuation.finish(throwing: Failure(description: "disconnected"))
        guard let sessionID else { return }
        self.sessionID = nil
        var request = makeRequest(method: .DELETE)
        request.headers.replaceOrAdd(name: "Mcp-Session-Id", value: sessionID)
        _ = try? await client.execute(request, timeout: .seconds(5))
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// POSTs one message and passes on the messages the answer carries.
    ///
    /// - Throws: ``Failure`` for a status outside 2xx, an answer of another type, an oversized
    ///   message, or a connection that failed; a `404` for a session the server has forgotten
    ///   also ends the stream (the engine starts a new session).
    func send(_ data: Data) async throws {
        var request = makeRequest(method: .POST)
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: data))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: requestTimeout)
        } catch {
            throw Failure(description: "could not reach \(url): \(Self.describe(error))")
        }
        let status = Int(response.status.code)
        if status == 404, sessionID != nil {
            let failure = Failure(description: "the server ended the session (404)")
            continuation.finish(throwing: failure)
            ending.yield(failure.description)
            throw failure
        }
        guard (200..<300).contains(status) else {
            let preview = try? await response.body.collect(upTo: 512)
            let text = preview.map { String(buffer: $0) }.map { ": " + $0.prefix(200) } ?? ""
            throw Failure(description: "\(url) answered HTTP \(status)\(text)")
        }
        if let session = response.headers.first(name: "Mcp-Session-Id"), sessionID == nil {
            sessionID = session
        }
        guard status != 202 else { return }
        let type = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            try await readEvents(response.body)
        } else if type.hasPrefix("application/json") {
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maxMessageBytes)
            } catch is NIOTooManyBytesError {
                throw Failure(description: "\(url) answered with more than \(maxMessageBytes) bytes")
            }
            deliver(Data(body.readableBytesView))
        } else {
            throw Failure(description: "\(url) answered with Content-Type '\(type)', not JSON or an event stream")
        }
    }

    private func readEvents(_ body: HTTPClientResponse.Body) async throws {
        var events = ServerSentEvents()
        for try await buffer in body {
            for event in events.feed(Array(buffer.readableBytesView))
            where event.name == nil || event.name == "message" {
                guard event.data.utf8.count <= maxMessageBytes else {
                    throw Failure(description: "\(url) sent a message longer than \(maxMessageBytes) bytes")
                }
                deliver(Data(event.data.utf8))
            }
            if events.pendingByteCount > maxMessageBytes {
                throw Failure(description: "\(url) sent a message longer than \(maxMessageBytes) bytes")
            }
        }
        if let last = events.finish(), last.name == nil || last.name == "message" { deliver(Data(last.data.utf8)) }
    }

    /// Passes a message on, and learns the protocol version from the answer to `initialize`.
    private func deliver(_ message: Data) {
        if protocolVersion == nil, let value = try? JSONValue.parse([UInt8](message)),
            let version = value["result"]?["protocolVersion"]?.stringValue
        {
            protocolVersion = version
        }
        continuation.yield(message)
    }

    private func makeRequest(method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "lemming/\(LemmingVersion.current)")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let sessionID { request.headers.replaceOrAdd(name: "Mcp-Session-Id", value: sessionID) }
        if let protocolVersion { request.headers.replaceOrAdd(name: "MCP-Protocol-Version", value: protocolVersion) }
        return request
    }

    /// A connection error in a few words (AsyncHTTPClient's own descriptions are long).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
