import Hummingbird
import LemmingCore
import LemmingJSON
import Logging
import NIOCore
import Synchronization

/// A local HTTP server that speaks a model provider's wire format, for tests: it answers from a
/// queue of programmed behaviours (replies, streams, HTTP errors, delays, truncated or non-JSON
/// bodies) and records every request it receives.
///
/// It listens on 127.0.0.1 on a free port and lives only inside ``with(format:_:)``:
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
/// `POST /api/chat` (Ollama). Other paths answer 404.
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
        /// Waits `seconds` before behaving as `then` (longer than a client's timeout: a timeout).
        case delay(seconds: Double, then: Behaviour)
        /// Sends the response head and the first part of `reply`, then waits `seconds` before the
        /// rest (a body that stalls after its head).
        case stall(seconds: Double, reply: Reply)
        /// A stream that stops before its final event; for a whole response, the JSON cut short.
        case truncated(Reply)
        /// A 200 response whose body is not JSON.
        case notJSON(String = "<html><body>502 Bad Gateway</body></html>")

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
        public var text: String
        /// How many pieces a stream delivers the text in.
        public var chunks: Int
        public var inputTokens: Int
        public var outputTokens: Int
        /// `nil`: the format's usual value (`stop`, `end_turn` or `tool_use`, `STOP`, `stop`).
        public var finishReason: String?

        public init(
            text: String, chunks: Int = 1, inputTokens: Int = 21, outputTokens: Int = 8, finishReason: String? = nil
        ) {
            self.text = text
            self.chunks = chunks
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.finishReason = finishReason
        }

        /// The pieces a stream delivers the text in.
        public var pieces: [String] { FakeModelServer.pieces(of: text, count: chunks) }
    }

    /// One request the server received.
    public struct RecordedRequest: Sendable {
        public var method: String
        /// The path, without the query.
        public var path: String
        public var query: String?
        public var headers: [(name: String, value: String)]
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
        }

        let state = Mutex(State())

        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
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

    /// Every request received so far, in order of arrival.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Runs `body` with a server that speaks `format`, and stops the server when `body` returns
    /// or throws.
    public static func with<Result>(
        format: Format,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FakeModelServer) async throws -> Result
    ) async throws -> Result {
        let state = Script()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await respond(to: request, format: format, state: state)
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
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                try await group.next()
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

    private static func respond(to request: Request, format: Format, state: Script) async throws -> Response {
        var buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: request.headers.map { ($0.name.rawName, $0.value) }, rawBody: bytes,
            body: try? JSONValue.parse(bytes))
        let behaviour = state.withLock { state in
            state.requests.append(recorded)
            return state.queue.isEmpty ? state.whenIdle : state.queue.removeFirst()
        }
        guard request.method == .post, let call = WireCall(format: format, request: recorded) else {
            return Wire.json(
                404, Wire.errorBody(format: format, status: 404, message: "no route for \(recorded.target)"))
        }
        return try await perform(behaviour, call: call)
    }

    private static func perform(_ behaviour: Behaviour, call: WireCall) async throws -> Response {
        switch behaviour {
        case .reply(let reply):
            return Wire.reply(reply, call: call, truncated: false, stallSeconds: nil)
        case .truncated(let reply):
            return Wire.reply(reply, call: call, truncated: true, stallSeconds: nil)
        case .stall(let seconds, let reply):
            return Wire.reply(reply, call: call, truncated: false, stallSeconds: seconds)
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
        case .delay(let seconds, let then):
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return try await perform(then, call: call)
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
