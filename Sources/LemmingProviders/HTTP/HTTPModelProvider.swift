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
///
/// A call ends with `timeout` once `timeout_seconds` have passed on the provider's clock, head and
/// body included. It reads at most `maxResponseBytes` of a body, and of a stream at most
/// ``ChatRequest/maxReplyBytes`` of text: past either it stops reading, ends the request and fails
/// with `reply_too_large`, charging what it knows of the tokens (estimated when the server has not
/// said yet).
public struct HTTPModelProvider<Format: WireFormat>: ModelProvider {
    public let format: Format
    public let settings: HTTPSettings
    let client: HTTPClient
    let timeline: Timeline
    private let structuredLevel = StructuredOutputMemory()

    public init(
        format: Format, settings: HTTPSettings, client: HTTPClient = ProviderHTTPClient.shared,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.format = format
        self.settings = settings
        self.client = client
        self.timeline = Timeline(clock)
    }

    /// Where calls go, for breakers and messages (never with the key).
    public var endpoint: String { settings.baseURL }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await call(request) { response in
            let body = try await collect(response.body, for: request)
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
            var bodyBytes = 0
            var textBytes = 0
            for try await buffer in response.body {
                bodyBytes += buffer.readableBytes
                if bodyBytes > settings.maxResponseBytes {
                    throw tooLarge(
                        "the streamed response is larger than \(settings.maxResponseBytes) bytes", request: request,
                        bytes: bodyBytes, reported: decoder.reportedUsage)
                }
                for piece in try decoder.feed(Array(buffer.readableBytesView)) where !piece.isEmpty {
                    textBytes += piece.utf8.count
                    if let limit = request.maxReplyBytes, textBytes > limit {
                        throw tooLarge(
                            "the streamed reply is larger than \(limit) bytes (limits.max_reply_bytes)",
                            request: request, bytes: textBytes, reported: decoder.reportedUsage)
                    }
                    await onText(piece)
                }
            }
            return try decoder.finish()
        }
    }

    /// A whole body, read up to `maxResponseBytes`.
    private func collect(_ body: HTTPClientResponse.Body, for request: ChatRequest) async throws -> [UInt8] {
        do {
            var buffer = try await body.collect(upTo: settings.maxResponseBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw tooLarge(
                "the response is larger than \(settings.maxResponseBytes) bytes", request: request,
                bytes: settings.maxResponseBytes, reported: nil)
        }
    }

    /// The failure of a response that passed a cap after `bytes` bytes: the tokens the server
    /// reported, or an estimate from the prompt and the bytes read (at most the request's
    /// `max_tokens`, which the model cannot have passed).
    private func tooLarge(_ message: String, request: ChatRequest, bytes: Int, reported: TokenUsage?) -> ProviderError {
        let estimate = TokenUsage(
            inputTokens: TokenEstimator.tokens(in: request.messages),
            outputTokens: min((bytes + 3) / 4, max(request.maxTokens, 1)), isEstimated: true)
        var usage = reported ?? estimate
        if usage.outputTokens < estimate.outputTokens {
            // The server reports output tokens at the end, which this reply never reached.
            usage.outputTokens = estimate.outputTokens
            usage.isEstimated = true
        }
        return ProviderError(.replyTooLarge, "\(format.name): \(message); reading stopped there", usage: usage)
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
            // The deadline covers the head and the body (a body can stall after its head), on the
            // provider's clock; the client's own deadline is not used.
            return try await timeline.withDeadline(settings.timeout) {
                try await execute(prepared, read: read)
            }
        } catch let error as ProviderError {
            var redacted = error
            redacted.message = settings.redacting(error.message)
            throw redacted
        } catch is DeadlineExceeded {
            throw timeoutError
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw translate(error)
        }
    }

    private func execute(
        _ request: HTTPClientRequest,
        read: @Sendable (HTTPClientResponse) async throws -> ChatResponse
    ) async throws -> ChatResponse {
        let response = try await client.execute(request, deadline: .distantFuture)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw try await httpError(response)
        }
        return try await read(response)
    }

    private var timeoutError: ProviderError {
        ProviderError(.timeout, "\(format.name) did not answer within \(Deadline.describe(settings.timeout))")
    }

    private func httpError(_ response: HTTPClientResponse) async throws -> ProviderError {
        let status = Int(response.status.code)
        let bytes = (try? await response.body.collect(upTo: 64 * 1024)).map { Array($0.readableBytesView) } ?? []
        let detail =
            (try? JSONValue.parse(bytes)).flatMap(format.errorMessage(in:)) ?? Self.preview(bytes)
        let retryAfter = RetryHint.wait { response.headers.first(name: $0) }
        // Gemini answers a wrong key with 400 "API key not valid", not 401.
        let keyRejected = status == 401 || status == 403 || (status == 400 && detail.lowercased().contains("api key"))
        let hint = keyRejected ? " (check the API key)" : ""
        return ProviderError(
            .http, "\(format.name) answered HTTP \(status)\(hint): \(settings.redacting(detail))", httpStatus: status,
            retryAfter: retryAfter)
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
