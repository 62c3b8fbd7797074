import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
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
    private let structuredLevel = StructuredOutputMemory()

    public init(format: Format, settings: HTTPSettings, client: HTTPClient = ProviderHTTPClient.shared) {
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
        read: @escaping @Sendable (HTTPClientResponse) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let wanted: StructuredOutput = settings.structuredOutput && request.responseSchema != nil ? .schema : .plain
        var level = max(wanted, structuredLevel.value)
        while true {
            do {
                return try await send(request, output: level, streaming: streaming, read: read)
            } catch let error as ProviderError where level < .plain && Self.isStructuredOutputRejection(error) {
                // Ask less and remember: json_schema, then JSON mode where the format has one, then plain.
                level = level == .schema && format.supportsJSONMode ? .jsonMode : .plain
                structuredLevel.lower(to: level)
            }
        }
    }

    private func send(
        _ request: ChatRequest,
        output: StructuredOutput,
        streaming: Bool,
        read: @escaping @Sendable (HTTPClientResponse) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        var http = HTTPClientRequest(url: format.url(settings: settings, streaming: streaming))
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "User-Agent", value: "lemming")
        for (name, value) in format.headers(settings: settings) { http.headers.add(name: name, value: value) }
        let body = format.body(for: request, settings: settings, output: output, streaming: streaming)
        http.body = .bytes(JSONWriter(style: .compact).bytes(body))
        let prepared = http
        do {
            return try await withDeadline { [client, settings] in
                let response = try await client.execute(
                    prepared, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
                guard (200..<300).contains(Int(response.status.code)) else {
                    throw try await httpError(response)
                }
                return try await read(response)
            }
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

    /// Runs a call, failing it with `timeout` once `timeout_seconds` have passed: the client's own
    /// deadline ends when the response head arrives, and a body can stall after its head.
    private func withDeadline(
        _ operation: @escaping @Sendable () async throws -> ChatResponse
    ) async throws -> ChatResponse {
        try await withThrowingTaskGroup(of: ChatResponse.self) { group in
            group.addTask(operation: operation)
            group.addTask { [settings] in
                try await Task.sleep(for: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
                throw timeoutError
            }
            defer { group.cancelAll() }
            guard let response = try await group.next() else { throw CancellationError() }
            return response
        }
    }

    private var timeoutError: ProviderError {
        let seconds = settings.timeoutSeconds
        let text = seconds == seconds.rounded() && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
        return ProviderError(.timeout, "\(format.name) did not answer within \(text) s")
    }

    private func httpError(_ response: HTTPClientResponse) async throws -> ProviderError {
        let status = Int(response.status.code)
        let bytes = (try? await Self.collect(response.body, limit: 64 * 1024)) ?? []
        let detail =
            (try? JSONValue.parse(bytes)).flatMap(format.errorMessage(in:)) ?? Self.preview(bytes)
        let retryAfter = RetryPolicy.parseRetryAfter(response.headers.first(name: "Retry-After"))
        // Gemini answers a wrong key with 400 "API key not valid", not 401.
        let keyRejected = status == 401 || status == 403 || (status == 400 && detail.lowercased().contains("api key"))
        let hint = keyRejected ? " (check the API key)" : ""
        return ProviderError(
            .http, "\(format.name) answered HTTP \(status)\(hint): \(settings.redacting(detail))", httpStatus: status,
            retryAfterSeconds: retryAfter)
    }

    private func translate(_ error: any Error) -> ProviderError {
        if let client = error as? HTTPClientError {
            if client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout {
                return timeoutError
            }
            if client == .remoteConnectionClosed || client == .cancelled {
                return ProviderError(.connection, "\(format.name) closed the connection before answering")
            }
        }
        let text = settings.redacting(String(describing: error))
        return ProviderError(.connection, "could not reach \(endpoint): \(text)")
    }

    /// Whether a failure is the server refusing the structured-output request: a 4xx that names
    /// the mechanism, or a 5xx that names it precisely (llama.cpp's server answers 500 for an
    /// unknown `response_format` type).
    static func isStructuredOutputRejection(_ error: ProviderError) -> Bool {
        guard let status = error.httpStatus, (400...599).contains(status) else { return false }
        let message = error.message.lowercased()
        let precise = ["response_format", "json_schema", "responseschema", "response_schema", "responsemimetype"]
        if precise.contains(where: message.contains) { return true }
        return (status == 400 || status == 422) && ["schema", "format", "tool"].contains(where: message.contains)
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

/// Remembers how much structured output a server accepts.
final class StructuredOutputMemory: Sendable {
    private let level = Mutex(StructuredOutput.schema)
    /// The most the server accepted so far.
    var value: StructuredOutput { level.withLock { $0 } }
    func lower(to newLevel: StructuredOutput) { level.withLock { $0 = max($0, newLevel) } }
}
