import Foundation
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingProviders
import Logging
import NIOCore
import Synchronization

/// A local HTTP server that speaks a model provider's wire format, for tests: it answers from a
/// queue of programmed behaviours (replies, streams, HTTP errors, delays, truncated or non-JSON
/// bodies) and records every request it receives.
///
/// It listens on 127.0.0.1 on a free port and lives only inside ``with(format:clock:_:)``, so
/// each test has its own; its delays and rate limit run on the clock it is given (a
/// ``ManualClock`` in tests that must not sleep):
///
/// ```swift
/// try await FakeModelServer.with(format: .openAI) { server in
///     server.enqueue(.status(429, retryAfter: "2"), .text("hello"))
///     // … make a provider with base_url = server.baseURL, call it …
///     #expect(server.requests.count == 2)
/// }
/// ```
///
/// It serves each format at the real API's path: `POST /v1/chat/completions` (OpenAI; the base
/// URL is `http://127.0.0.1:PORT/v1`), `POST /v1/messages` (Anthropic),
/// `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent` (Gemini) and
/// `POST /api/chat` (Ollama); and embeddings at `POST /v1/embeddings` (OpenAI),
/// `POST /v1beta/models/{model}:batchEmbedContents` and `:embedContent` (Gemini) and
/// `POST /api/embed` (Ollama), with vectors from ``vector(of:dimensions:)``. Other paths answer
/// 404.
public final class FakeModelServer: Sendable {
    /// The wire formats the server can speak.
    public enum Format: String, Sendable, CaseIterable, CustomStringConvertible {
        case openAI = "openai"
        case anthropic
        case gemini
        case ollama

        public var description: String { rawValue }
    }

    /// What the server does with one request.
    public indirect enum Behaviour: Sendable {
        /// Answers `reply`: a whole response, or a stream of `reply.chunks` pieces when the
        /// request asked for a stream.
        case reply(Reply)
        /// Answers `status` with the format's JSON error body and an optional `Retry-After`.
        case status(Int, message: String = "the fake server was told to fail", retryAfter: String? = nil)
        /// Answers 401 with the format's error body, which quotes the key the request presented
        /// (as some servers do), so tests can check that no error message carries it.
        case unauthorized
        /// Answers 400, rejecting the structured-output mechanism the request used (the schema, or
        /// JSON mode) the way the real API words it.
        case rejectStructuredOutput
        /// Waits `duration` on the server's clock before behaving as `then` (longer than a
        /// client's timeout: a timeout).
        case delay(Duration, then: Behaviour)
        /// Sends the response head and the first part of `reply`, then waits `duration` on the
        /// server's clock before the rest (a body that stalls after its head).
        case stall(Duration, reply: Reply)
        /// A stream that stops before its final event; for a whole response, the JSON cut short.
        case truncated(Reply)
        /// A 200 response whose body is not JSON.
        case notJSON(String = "<html><body>502 Bad Gateway</body></html>")
        /// A degenerate reply: `piece` repeated until the body holds about `bytes` bytes (whole, or
        /// streamed one piece per event), cut off by the token limit. `piece` must need no JSON
        /// escaping. The body is written as the client reads it; ``floodEnd()`` tells whether the
        /// client hung up before the end.
        case flood(piece: String, bytes: Int)
        /// Answers `status` with exactly this JSON body (a provider's own error shape: a quota
        /// used up, Gemini's `RetryInfo`).
        case body(Int, JSONValue)
        /// Behaves as `then`, with these headers added to the answer (rate-limit headers).
        case headers([String: String], then: Behaviour)
        /// Answers an embeddings request with `reply`'s vectors (faults included: a wrong count,
        /// a vector with a non-number). On an embeddings route, `.reply`, `.truncated` and
        /// `.stall` answer ``EmbeddingReply``'s defaults (whole, cut in half, stalled); on a chat
        /// route, this answers 500.
        case embeddings(EmbeddingReply)

        /// A reply of `text`, streamed in `chunks` pieces when the request streams.
        public static func text(
            _ text: String, chunks: Int = 1, inputTokens: Int = 21, outputTokens: Int = 8, finishReason: String? = nil
        ) -> Behaviour {
            .reply(
                Reply(
                    text: text, chunks: chunks, inputTokens: inputTokens, outputTokens: outputTokens,
                    finishReason: finishReason))
        }
    }

    /// A model's reply, as the server renders it in its format.
    public struct Reply: Sendable {
        /// The visible answer (may be empty).
        public var text: String
        /// How many pieces a stream delivers the text (and the reasoning) in.
        public var chunks: Int
        public var inputTokens: Int
        public var outputTokens: Int
        /// `nil`: the format's usual value (`stop`, `end_turn` or `tool_use`, `STOP`, `stop`).
        public var finishReason: String?
        /// What a reasoning model thought, where each API puts it: the OpenAI-compatible
        /// ``reasoningField`` of the message (or delta), an Anthropic `thinking` block, a Gemini
        /// part with `"thought": true`, Ollama's `message.thinking`. It comes before the text.
        public var reasoning: String?
        /// Where an OpenAI-compatible server puts the reasoning: `reasoning_content` (llama.cpp,
        /// DeepSeek, vLLM before 0.10) or `reasoning` (vLLM, OpenRouter, Ollama).
        public var reasoningField: String
        /// OpenAI: send `"content": null` rather than `""` when the text is empty.
        public var nullContent: Bool
        /// A refusal, the way each API says it: OpenAI `message.refusal` (with `content` null);
        /// Anthropic `stop_reason: "refusal"` (with whatever text was written); Gemini a blocked
        /// prompt (`promptFeedback.blockReason` = this, no candidates). Ollama has none: ignored.
        public var refusal: String?

        public init(
            text: String, chunks: Int = 1, inputTokens: Int = 21, outputTokens: Int = 8, finishReason: String? = nil,
            reasoning: String? = nil, reasoningField: String = "reasoning_content", nullContent: Bool = false,
            refusal: String? = nil
        ) {
            self.text = text
            self.chunks = chunks
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.finishReason = finishReason
            self.reasoning = reasoning
            self.reasoningField = reasoningField
            self.nullContent = nullContent
            self.refusal = refusal
        }

        /// The pieces a stream delivers the text in.
        public var pieces: [String] { FakeModelServer.pieces(of: text, count: chunks) }

        /// The pieces a stream delivers the reasoning in (none without reasoning).
        public var reasoningPieces: [String] {
            reasoning.map { FakeModelServer.pieces(of: $0, count: chunks) } ?? []
        }
    }

    /// How a ``Behaviour/flood(piece:bytes:)`` ended.
    public enum FloodEnd: Sendable, Equatable {
        /// The client read it all.
        case completed(bytes: Int)
        /// The client closed the connection; the server had written this much (what the sockets
        /// of the machine buffer included, which can be tens of megabytes).
        case clientHungUp(afterBytes: Int)
    }

    /// A fixed-window rate limit: at most `requests` calls per `window` of the server's clock;
    /// the others are answered 429 with `Retry-After: retryAfter` (and do not use up the queue).
    public struct RateLimit: Sendable {
        /// How the server states the limit in the headers of every answer.
        public enum Headers: Sendable {
            /// OpenAI's `x-ratelimit-{limit,remaining,reset}-requests` (a Go duration).
            case openAI
            /// Anthropic's `anthropic-ratelimit-requests-{limit,remaining,reset}` (RFC 3339, from
            /// the machine's wall clock).
            case anthropic
        }

        public var requests: Int
        public var window: Duration
        public var retryAfter: String
        /// `nil`: the limit is not stated.
        public var headers: Headers?

        public init(requests: Int, per window: Duration, retryAfter: String = "1", headers: Headers? = nil) {
            self.requests = requests
            self.window = window
            self.retryAfter = retryAfter
            self.headers = headers
        }

        /// The headers stating the limit, with `remaining` calls left and `reset` until the
        /// window ends.
        func fields(remaining: Int, reset: Duration) -> [String: String] {
            let seconds = Double(reset.components.seconds) + Double(reset.components.attoseconds) / 1e18
            switch headers {
            case .openAI?:
                return [
                    "x-ratelimit-limit-requests": "\(requests)", "x-ratelimit-remaining-requests": "\(remaining)",
                    "x-ratelimit-reset-requests": "\(seconds)s",
                ]
            case .anthropic?:
                let resetAt = Timestamp.format(Date().addingTimeInterval(seconds))
                return [
                    "anthropic-ratelimit-requests-limit": "\(requests)",
                    "anthropic-ratelimit-requests-remaining": "\(remaining)",
                    "anthropic-ratelimit-requests-reset": resetAt,
                ]
            case nil:
                return [:]
            }
        }
    }

    /// One request the server received.
    public struct RecordedRequest: Sendable {
        public var method: String
        /// The path, without the query.
        public var path: String
        public var query: String?
        public var headers: [(name: String, value: String)]
        /// When it arrived, on the server's clock (the time since the server's clock was first
        /// read).
        public var receivedAt: Duration = .zero
        public var rawBody: [UInt8]
        /// The body parsed as JSON (`nil` when it is not JSON).
        public var body: JSONValue?

        /// The value of a header (names compare case-insensitively).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The path with its query, as the request line had it.
        public var target: String { query.map { path + "?" + $0 } ?? path }
    }

    public let format: Format
    /// The port the server listens on (127.0.0.1).
    public let port: Int
    private let state: Script

    /// The behaviours still to play and the requests received, shared with the request handler.
    final class Script: Sendable {
        struct State {
            var queue: [Behaviour] = []
            var whenIdle: Behaviour = .text("ok")
            var requests: [RecordedRequest] = []
            var rateLimit: RateLimit?
            /// The window the rate limit counts in, and the calls it let through in it.
            var window = (index: Int64(-1), calls: 0)
            var rateLimited = 0
            var floodEnds: [FloodEnd] = []
        }

        let state = Mutex(State())
        let timeline: Timeline
        let stopSignal = StopSignal()

        init(clock: any Clock<Duration>) {
            timeline = Timeline(clock)
        }

        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

        /// Waits `duration` on the server's clock, or until the server stops.
        func pause(for duration: Duration) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [timeline] in try await timeline.sleep(for: duration) }
                group.addTask { [stopSignal] in await stopSignal.wait() }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        }
    }

    private init(format: Format, port: Int, state: Script) {
        self.format = format
        self.port = port
        self.state = state
    }

    /// The `base_url` a `models.json` entry uses to reach this server.
    public var baseURL: String {
        format == .openAI ? "http://127.0.0.1:\(port)/v1" : "http://127.0.0.1:\(port)"
    }

    /// Queues behaviours for the next requests, in order.
    public func enqueue(_ behaviours: Behaviour...) {
        state.withLock { $0.queue.append(contentsOf: behaviours) }
    }

    /// What the server does once the queue is empty (at first: `.text("ok")`).
    public func whenIdle(_ behaviour: Behaviour) {
        state.withLock { $0.whenIdle = behaviour }
    }

    /// Every request received so far, in order of arrival (those answered 429 by the rate limit
    /// included).
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Limits the calls the server answers (`nil`: no limit).
    public func limitRate(_ limit: RateLimit?) {
        state.withLock { $0.rateLimit = limit }
    }

    /// The calls the rate limit answered 429.
    public var rateLimitedCount: Int { state.withLock { $0.rateLimited } }

    /// How the first ``Behaviour/flood(piece:bytes:)`` ended, once it has (the client may close
    /// its connection a moment after its call returned).
    public func floodEnd() async throws -> FloodEnd {
        while true {
            if let end = state.withLock({ $0.floodEnds.first }) { return end }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Runs `body` with a server that speaks `format`, and stops the server when `body` returns
    /// or throws.
    ///
    /// - Parameter clock: the clock of ``Behaviour/delay(_:then:)``, ``Behaviour/stall(_:reply:)``
    ///   and the rate limit.
    public static func with<Result>(
        format: Format,
        clock: any Clock<Duration> = ContinuousClock(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FakeModelServer) async throws -> Result
    ) async throws -> Result {
        let state = Script(clock: clock)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<Context> { request, context in
            try await respond(to: request, format: format, state: state, channel: context.channel)
        }
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "lemming.fake-model-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await application.run()
            }
            defer { group.cancelAll() }
            defer { state.stopSignal.stop() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                _ = try await group.next()
                throw FakeServerError("the fake \(format) server did not start")
            }
            return try await body(FakeModelServer(format: format, port: port, state: state))
        }
    }

    /// Splits `text` into `count` pieces of nearly equal length (at least one, none empty unless
    /// the text is).
    public static func pieces(of text: String, count: Int) -> [String] {
        let characters = Array(text)
        let count = max(1, min(count, characters.count))
        guard characters.count > 1, count > 1 else { return [text] }
        var pieces: [String] = []
        var start = 0
        for index in 0..<count {
            let end = characters.count * (index + 1) / count
            pieces.append(String(characters[start..<end]))
            start = end
        }
        return pieces
    }

    // MARK: - Serving

    /// The request context, with the connection's channel (for the flood's backpressure: the
    /// server's body writer takes whatever it is given, read or not).
    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    private static func respond(
        to request: Request, format: Format, state: Script, channel: any Channel
    ) async throws -> Response {
        var buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: request.headers.map { ($0.name.rawName, $0.value) }, rawBody: bytes,
            body: try? JSONValue.parse(bytes))
        let call = request.method == .post ? WireCall(format: format, request: recorded) : nil
        let now = state.timeline.now
        let behaviour = state.withLock { state -> Behaviour? in
            var recorded = recorded
            recorded.receivedAt = now
            state.requests.append(recorded)
            guard call != nil else { return nil }
            if let limit = state.rateLimit {
                let index = Int64((now / limit.window).rounded(.down))
                if index != state.window.index { state.window = (index, 0) }
                let reset = limit.window * (index + 1) - now
                guard state.window.calls < limit.requests else {
                    state.rateLimited += 1
                    return .headers(
                        limit.fields(remaining: 0, reset: reset),
                        then: .status(429, message: "Rate limit reached for requests", retryAfter: limit.retryAfter))
                }
                state.window.calls += 1
                let next = state.queue.isEmpty ? state.whenIdle : state.queue.removeFirst()
                return .headers(limit.fields(remaining: limit.requests - state.window.calls, reset: reset), then: next)
            }
            return state.queue.isEmpty ? state.whenIdle : state.queue.removeFirst()
        }
        guard let call, let behaviour else {
            return Wire.json(
                404, Wire.errorBody(format: format, status: 404, message: "no route for \(recorded.target)"))
        }
        return try await perform(behaviour, call: call, state: state, channel: channel)
    }

    private static func perform(
        _ behaviour: Behaviour, call: WireCall, state: Script, channel: any Channel
    ) async throws -> Response {
        let embeds = call.operation != .chat
        switch behaviour {
        case .reply(let reply):
            return embeds
                ? Wire.embeddings(EmbeddingReply(), call: call, truncated: false)
                : Wire.reply(reply, call: call, truncated: false)
        case .truncated(let reply):
            return embeds
                ? Wire.embeddings(EmbeddingReply(), call: call, truncated: true)
                : Wire.reply(reply, call: call, truncated: true)
        case .stall(let duration, let reply):
            let stall: @Sendable () async throws -> Void = { try await state.pause(for: duration) }
            return embeds
                ? Wire.embeddings(EmbeddingReply(), call: call, truncated: false, stall: stall)
                : Wire.reply(reply, call: call, truncated: false, stall: stall)
        case .embeddings(let reply):
            guard embeds else {
                let message = "the fake server was told to answer embeddings to a chat request"
                return Wire.json(500, Wire.errorBody(format: call.format, status: 500, message: message))
            }
            return Wire.embeddings(reply, call: call, truncated: false)
        case .flood(let piece, let bytes):
            return Wire.flood(piece: piece, bytes: bytes, call: call, channel: channel) { end in
                state.withLock { $0.floodEnds.append(end) }
            }
        case .body(let status, let body):
            return Wire.json(status, body)
        case .headers(let fields, let then):
            var response = try await perform(then, call: call, state: state, channel: channel)
            for (name, value) in fields {
                if let field = HTTPFields.Element.Name(name) { response.headers[field] = value }
            }
            return response
        case .status(let status, let message, let retryAfter):
            var response = Wire.json(status, Wire.errorBody(format: call.format, status: status, message: message))
            if let retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        case .unauthorized:
            let key = call.presentedKey ?? "(none)"
            let message = "Incorrect API key provided: \(key). Check your API key."
            return Wire.json(401, Wire.errorBody(format: call.format, status: 401, message: message))
        case .rejectStructuredOutput:
            let message = Wire.structuredOutputRejection(format: call.format, body: call.body)
            return Wire.json(400, Wire.errorBody(format: call.format, status: 400, message: message))
        case .delay(let duration, let then):
            try await state.pause(for: duration)
            return try await perform(then, call: call, state: state, channel: channel)
        case .notJSON(let text):
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

/// The fake server could not start.
public struct FakeServerError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Opens once, when the server stops: its pauses end then rather than wait for a clock that may
/// never be moved again.
final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the server stops or the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resume = state.withLock { state in
                    if state.stopped || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resume { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return CheckedContinuation<Void, Never>?.none
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
