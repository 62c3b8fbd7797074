import AsyncHTTPClient
import Foundation
import LemmingCore
import NIOCore
import NIOHTTP1
import Synchronization

/// A provider that speaks one ``WireFormat`` over HTTP (AsyncHTTPClient). One call, no retries:
/// ``ResilientProvider`` wraps it.
///
/// When structured output is on and the server rejects the request (HTTP 400 or 422 that
/// mentions the schema or the response format), the call is made again with a plain prompt, and
/// the provider remembers not to ask again.
public struct HTTPModelProvider<Format: WireFormat>: ModelProvider {
    public let format: Format
    public let settings: HTTPSettings
    let client: HTTPClient
    private let structuredRejected = StructuredOutputMemory()

    public init(format: Format, settings: HTTPSettings, client: HTTPClient = .shared) {
        self.format = format
        self.settings = settings
        self.client = client
    }

    /// Where calls go, for breakers and messages (never with the key).
    public var endpoint: String { settings.baseURL }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await call(request) { response in
            let body = try await Self.collect(response.body, limit: settings.maxResponseBytes)
            let json: JSONValue
            do {
                json = try JSONValue.parse(body)
            } catch {
                throw ProviderError(
                    .invalidResponse, "\(format.name) answered with a body that is not JSON (\(Self.preview(body)))")
            }
            return try format.parse(json)
        }
    }

    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        try await call(request, streaming: true) { response in
            var decoder = format.makeStreamDecoder()
            for try await buffer in response.body {
                for piece in try decoder.feed(Array(buffer.readableBytesView)) where !piece.isEmpty {
                    await onText(piece)
                }
            }
            return try decoder.finish()
        }
    }

    private func call(
        _ request: ChatRequest,
        streaming: Bool = false,
        read: (HTTPClientResponse) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let structured = settings.structuredOutput && !structuredRejected.value && request.responseSchema != nil
        do {
            return try await send(request, structured: structured, streaming: streaming, read: read)
        } catch let error as ProviderError where structured && Self.isStructuredOutputRejection(error) {
            structuredRejected.set()
            return try await send(request, structured: false, streaming: streaming, read: read)
        }
    }

    private func send(
        _ request: ChatRequest,
        structured: Bool,
        streaming: Bool,
        read: (HTTPClientResponse) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        var http = HTTPClientRequest(url: format.url(settings: settings, streaming: streaming))
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "User-Agent", value: "lemming")
        for (name, value) in format.headers(settings: settings) { http.headers.add(name: name, value: value) }
        let body = format.body(for: request, settings: settings, structured: structured, streaming: streaming)
        http.body = .bytes(JSONWriter(style: .compact).bytes(body))
        do {
            let response = try await client.execute(http, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
            guard (200..<300).contains(Int(response.status.code)) else {
                throw try await httpError(response)
            }
            return try await read(response)
        } catch let error as ProviderError {
            throw ProviderError(
                error.code, settings.redacting(error.message), usage: error.usage, httpStatus: error.httpStatus,
                retryAfterSeconds: error.retryAfterSeconds)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw translate(error)
        }
    }

    private func httpError(_ response: HTTPClientResponse) async throws -> ProviderError {
        let status = Int(response.status.code)
        let bytes = (try? await Self.collect(response.body, limit: 64 * 1024)) ?? []
        let detail =
            (try? JSONValue.parse(bytes)).flatMap(format.errorMessage(in:)) ?? Self.preview(bytes)
        let retryAfter = RetryPolicy.parseRetryAfter(response.headers.first(name: "Retry-After"))
        let hint = status == 401 || status == 403 ? " (check the API key)" : ""
        return ProviderError(
            .http, "\(format.name) answered HTTP \(status)\(hint): \(settings.redacting(detail))", httpStatus: status,
            retryAfterSeconds: retryAfter)
    }

    private func translate(_ error: any Error) -> ProviderError {
        if let client = error as? HTTPClientError {
            if client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout {
                return ProviderError(.timeout, "\(format.name) did not answer within \(Int(settings.timeoutSeconds)) s")
            }
            if client == .remoteConnectionClosed || client == .cancelled {
                return ProviderError(.connection, "\(format.name) closed the connection before answering")
            }
        }
        let text = settings.redacting(String(describing: error))
        return ProviderError(.connection, "could not reach \(endpoint): \(text)")
    }

    static func isStructuredOutputRejection(_ error: ProviderError) -> Bool {
        guard error.httpStatus == 400 || error.httpStatus == 422 else { return false }
        let message = error.message.lowercased()
        return ["response_format", "schema", "json_schema", "format", "responsemimetype", "tool"].contains {
            message.contains($0)
        }
    }

    static func collect(_ body: HTTPClientResponse.Body, limit: Int) async throws -> [UInt8] {
        do {
            var buffer = try await body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw ProviderError(.invalidResponse, "the response is larger than \(limit) bytes")
        }
    }

    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? "empty body" : text
    }
}

/// Remembers that a server rejected structured output.
final class StructuredOutputMemory: Sendable {
    private let rejected = Mutex(false)
    var value: Bool { rejected.withLock { $0 } }
    func set() { rejected.withLock { $0 = true } }
}
