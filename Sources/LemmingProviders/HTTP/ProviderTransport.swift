import AsyncHTTPClient
import LemmingCore
import LemmingJSON
import NIOCore
import NIOHTTP1

/// One POST of a JSON body to a provider, with what every network call shares (a chat
/// completion, a batch of embeddings): the format's headers, the deadline, the status check, and
/// failures turned into ``ProviderError``s that never carry the key. No retries.
///
/// The deadline (`timeout_seconds`) covers the head and the body, on the provider's clock: a body
/// can stall after its head, and the client's own deadline is not used. With a `gate`
/// (`max_concurrent_requests`), a request first waits for a place among the endpoint's requests in
/// flight; that wait is not part of its deadline (the server is not slow, it is busy with ours).
///
/// The rate-limit headers of every answer, 2xx or not, go to `endpoints` (the pacing of the
/// model at this endpoint, ``EndpointRegistry/observe(_:endpoint:model:)``).
struct ProviderTransport<Format: WireFormat>: Sendable {
    let format: Format
    let settings: HTTPSettings
    let client: HTTPClient
    let timeline: Timeline
    var gate: RequestGate?
    var endpoints: EndpointRegistry?

    /// Posts `body` to `url` and reads a successful (2xx) answer with `read`.
    ///
    /// - Throws: ``ProviderError``: `http` for a status outside 2xx (with the provider's own
    ///   explanation and any `Retry-After`), `timeout`, `connection`, or what `read` throws;
    ///   every message redacted of the key.
    func post<Result: Sendable>(
        url: String,
        body: JSONValue,
        read: @escaping @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        var http = HTTPClientRequest(url: url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "User-Agent", value: "lemming")
        for (name, value) in format.headers(settings: settings) { http.headers.add(name: name, value: value) }
        http.body = .bytes(JSONWriter(style: .compact).bytes(body))
        let prepared = http
        do {
            let send = { [self] in
                try await timeline.withDeadline(settings.timeout) { try await execute(prepared, read: read) }
            }
            guard let gate else { return try await send() }
            return try await gate.run(send)
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

    /// Posts `body` to `url` and reads the whole answer as JSON (``json(_:tooLarge:)``).
    ///
    /// - Throws: what ``post(url:body:read:)`` and ``json(_:tooLarge:)`` throw.
    func postJSON(
        url: String, body: JSONValue, tooLarge: @escaping @Sendable () -> ProviderError
    ) async throws -> JSONValue {
        try await post(url: url, body: body) { [self] response in
            try await json(response.body, tooLarge: tooLarge)
        }
    }

    /// A whole body as JSON, read up to `maxResponseBytes`.
    ///
    /// - Parameter tooLarge: the failure of a body past the cap.
    /// - Throws: `tooLarge`, or ``ProviderError`` (`invalid_response`) when the body is not JSON.
    func json(
        _ body: HTTPClientResponse.Body, tooLarge: @Sendable () -> ProviderError
    ) async throws -> JSONValue {
        let bytes: [UInt8]
        do {
            var buffer = try await body.collect(upTo: settings.maxResponseBytes)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ProviderError(
                .invalidResponse, "\(format.name) answered with a body that is not JSON (\(Self.preview(bytes)))")
        }
    }

    private func execute<Result: Sendable>(
        _ request: HTTPClientRequest,
        read: @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        endpoints?.markSent()
        let response = try await client.execute(request, deadline: .distantFuture)
        if let endpoints {
            let report = RateLimitReport.read(header: { response.headers.first(name: $0) })
            endpoints.observe(report, endpoint: settings.baseURL, model: settings.model)
        }
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
        let json = try? JSONValue.parse(bytes)
        let detail = json.flatMap(format.errorMessage(in:)) ?? Self.preview(bytes)
        let body = status == 429 ? RetryHint.body(json) : RetryHint.Body()
        let retryAfter = RetryHint.wait { response.headers.first(name: $0) } ?? body.wait
        // Gemini answers a wrong key with 400 "API key not valid", not 401.
        let keyRejected = status == 401 || status == 403 || (status == 400 && detail.lowercased().contains("api key"))
        var hint = keyRejected ? " (check the API key)" : ""
        if let exhausted = body.exhausted {
            hint = " (\(exhausted); waiting will not help)"
        } else if let quota = body.quota {
            hint = " (quota \(quota))"
        }
        return ProviderError(
            body.exhausted == nil ? .http : .quotaExceeded,
            "\(format.name) answered HTTP \(status)\(hint): \(settings.redacting(detail))", httpStatus: status,
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
        return ProviderError(.connection, "could not reach \(settings.baseURL): \(text)")
    }

    /// The start of a body, for messages.
    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? "empty body" : text
    }
}
