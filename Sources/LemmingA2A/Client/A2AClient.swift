import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import NIOCore
import NIOHTTP1

/// Speaks A2A v1.0's JSON-RPC binding to one remote agent over HTTP (A2A §9): fetches its card,
/// calls methods, and reads `SendStreamingMessage` streams (server-sent events).
///
/// Every request carries `headers` (from the environment, see `headers_env`) and `A2A-Version:
/// 1.0`. Errors are ``A2AClientError``s whose messages name the URL and the status, never a header.
public struct A2AClient: Sendable {
    let headers: [(name: String, value: String)]
    let http: HTTPClient
    /// The largest card or JSON-RPC response read, in bytes.
    let maximumBodyBytes: Int

    public init(headers: [String: String], http: HTTPClient = .shared, maximumBodyBytes: Int = 16 << 20) {
        self.headers = headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        self.http = http
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The card's URL for a configured `url`: itself when it names a `.json` file, else
    /// `<url>/.well-known/agent-card.json` (A2A §8.2).
    public static func cardURL(for url: String) -> String {
        if url.hasSuffix(".json") { return url }
        return (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/.well-known/agent-card.json"
    }

    /// Fetches and reads the card at `url` (a card URL or a base URL, see ``cardURL(for:)``).
    ///
    /// - Returns: the card, with interface URLs resolved against the card's URL.
    /// - Throws: ``A2AClientError`` `.invalidCard`.
    public func fetchCard(_ url: String, timeout: Duration) async throws -> AgentCard {
        let address = Self.cardURL(for: url)
        var request = HTTPClientRequest(url: address)
        request.headers.add(name: "Accept", value: "application/json")
        add(headers: &request)
        let body: [UInt8]
        do {
            let response = try await http.execute(request, timeout: Self.timeAmount(timeout))
            guard response.status == .ok else {
                throw A2AClientError(
                    .invalidCard, "fetching the Agent Card at \(address) answered HTTP \(response.status.code)")
            }
            body = try await Self.read(response, limit: maximumBodyBytes)
        } catch let error as A2AClientError {
            throw error
        } catch {
            throw A2AClientError(
                .invalidCard, "the Agent Card at \(address) cannot be fetched: \(Self.describe(error))")
        }
        guard let value = try? JSONValue.parse(body) else {
            throw A2AClientError(.invalidCard, "the Agent Card at \(address) is not JSON")
        }
        var card = try AgentCard(json: value)
        let base = URL(string: address)
        for index in card.supportedInterfaces.indices {
            let url = card.supportedInterfaces[index].url
            if let resolved = URL(string: url, relativeTo: base)?.absoluteString {
                card.supportedInterfaces[index].url = resolved
            }
        }
        return card
    }

    /// Calls `method` at `endpoint` and returns its `result`.
    ///
    /// - Throws: ``A2AClientError``: `.transport` (no connection, HTTP status not 200), `.remote`
    ///   (a JSON-RPC error, with its code, or an answer that is not JSON-RPC).
    public func call(
        _ endpoint: String, method: String, params: JSONObject, timeout: Duration
    ) async throws
        -> JSONValue
    {
        let response = try await post(
            endpoint, method: method, params: params, timeout: timeout, accept: "application/json")
        let body: [UInt8]
        do {
            body = try await Self.read(response, limit: maximumBodyBytes)
        } catch {
            throw A2AClientError(
                .transport, "reading the answer of \(method) from \(endpoint) failed: \(Self.describe(error))")
        }
        guard let value = try? JSONValue.parse(body) else {
            throw A2AClientError(.remote, "\(method) at \(endpoint) answered something that is not JSON")
        }
        return try Self.result(of: value, method: method)
    }

    /// Calls a streaming `method` and hands each event to `onEvent` until it returns `false` or
    /// the stream ends. A server that answers plain JSON instead (an error before the stream) is
    /// read as one response.
    ///
    /// - Throws: ``A2AClientError`` as ``call(_:method:params:timeout:)`` does.
    public func stream(
        _ endpoint: String, method: String, params: JSONObject, timeout: Duration,
        onEvent: (StreamResponse) async throws -> Bool
    ) async throws {
        let response = try await post(
            endpoint, method: method, params: params, timeout: timeout, accept: "text/event-stream")
        let type = response.headers.first(name: "Content-Type") ?? ""
        guard type.lowercased().hasPrefix("text/event-stream") else {
            let body = try await Self.read(response, limit: maximumBodyBytes)
            guard let value = try? JSONValue.parse(body) else {
                throw A2AClientError(.remote, "\(method) at \(endpoint) answered something that is not JSON")
            }
            if let event = StreamResponse(json: try Self.result(of: value, method: method)) {
                _ = try await onEvent(event)
            }
            return
        }
        var events = ServerSentEvents()
        do {
            for try await buffer in response.body {
                for event in events.feed(Array(buffer.readableBytesView)) {
                    guard let value = try? JSONValue.parse(Array(event.data.utf8)) else {
                        throw A2AClientError(.remote, "\(method) at \(endpoint) sent an event that is not JSON")
                    }
                    guard let event = StreamResponse(json: try Self.result(of: value, method: method)) else {
                        throw A2AClientError(.remote, "\(method) at \(endpoint) sent an event that is no A2A event")
                    }
                    guard try await onEvent(event) else { return }
                }
                if events.pendingByteCount > Self.maximumEventBytes {
                    throw A2AClientError(
                        .remote, "\(method) at \(endpoint) sent an event larger than \(Self.maximumEventBytes) bytes")
                }
            }
        } catch let error as A2AClientError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw A2AClientError(.transport, "the stream of \(method) from \(endpoint) broke: \(Self.describe(error))")
        }
    }

    /// The largest event of a stream read, in bytes; a larger one is a broken or hostile peer.
    static let maximumEventBytes = 16 << 20

    private func post(
        _ endpoint: String, method: String, params: JSONObject, timeout: Duration, accept: String
    ) async throws -> HTTPClientResponse {
        let body = JSONRPCRequest(id: .string(UUID().uuidString), method: method, params: params).json
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "A2A-Version", value: "1.0")
        add(headers: &request)
        request.body = .bytes(ByteBuffer(bytes: JSONWriter(style: .compact).bytes(body)))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: Self.timeAmount(timeout))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw A2AClientError(.transport, "\(method) at \(endpoint) failed: \(Self.describe(error))")
        }
        guard response.status == .ok else {
            throw A2AClientError(.transport, "\(method) at \(endpoint) answered HTTP \(response.status.code)")
        }
        return response
    }

    private func add(headers request: inout HTTPClientRequest) {
        for header in headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
    }

    /// The `result` of a JSON-RPC response, or its error thrown.
    static func result(of value: JSONValue, method: String) throws -> JSONValue {
        if let error = value["error"], !error.isNull {
            let message = error["message"]?.stringValue ?? "no message"
            let code = error["code"]?.intValue
            throw A2AClientError(
                .remote, "\(method) failed: \(message)\(code.map { " (JSON-RPC error \($0))" } ?? "")", remoteCode: code
            )
        }
        guard let result = value["result"] else {
            throw A2AClientError(.remote, "\(method) answered neither a result nor an error")
        }
        return result
    }

    static func read(_ response: HTTPClientResponse, limit: Int) async throws -> [UInt8] {
        var body: [UInt8] = []
        for try await buffer in response.body {
            guard body.count + buffer.readableBytes <= limit else {
                throw A2AClientError(.remote, "the answer is larger than \(limit) bytes")
            }
            body.append(contentsOf: buffer.readableBytesView)
        }
        return body
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .milliseconds(max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000))
    }

    /// An HTTP client error in words, without the request (and so without its headers).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "no answer in time"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
