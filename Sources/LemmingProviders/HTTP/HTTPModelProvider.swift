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
    let transport: ProviderTransport<Format>
    private let structuredLevel = StructuredOutputMemory()

    /// - Parameter endpoints: where the rate-limit headers of its answers go (none: not read).
    public init(
        format: Format, settings: HTTPSettings, client: HTTPClient = ProviderHTTPClient.shared,
        clock: any Clock<Duration> = ContinuousClock(), gate: RequestGate? = nil,
        endpoints: EndpointRegistry? = nil
    ) {
        self.format = format
        self.settings = settings
        transport = ProviderTransport(
            format: format, settings: settings, client: client, timeline: Timeline(clock), gate: gate,
            endpoints: endpoints)
    }

    /// Where calls go, for breakers and messages (never with the key).
    public var endpoint: String { settings.baseURL }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await call(request) { [transport] response in
            let json = try await transport.json(response.body) {
                tooLarge(
                    "the response is larger than \(settings.maxResponseBytes) bytes", request: request,
                    bytes: settings.maxResponseBytes, reported: nil)
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
        try await transport.post(
            url: format.url(settings: settings, streaming: streaming),
            body: format.body(for: request, settings: settings, output: output, streaming: streaming), read: read)
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
}

/// Remembers how much structured output a server accepts.
final class StructuredOutputMemory: Sendable {
    private let level = Mutex(StructuredOutput.schema)
    /// The most the server accepted so far.
    var value: StructuredOutput { level.withLock { $0 } }
    func lower(to newLevel: StructuredOutput) { level.withLock { $0 = max($0, newLevel) } }
}
