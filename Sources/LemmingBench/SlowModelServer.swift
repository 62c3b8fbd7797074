import Hummingbird
import LemmingJSON
import Logging
import NIOCore
import Synchronization

/// An OpenAI-compatible chat endpoint on 127.0.0.1:0 that answers every request after `latency`,
/// for the fan-out benchmark: it stands for a model server that is never the bottleneck, so the
/// time of a tick is the latency plus what the client side adds. It counts the requests in flight
/// and the most seen at once.
final class SlowModelServer: Sendable {
    struct Load {
        var inFlight = 0
        var peak = 0
        var served = 0
        /// When the first request arrived and the last answer left.
        var firstArrival: ContinuousClock.Instant?
        var lastArrival: ContinuousClock.Instant?
        var lastAnswer: ContinuousClock.Instant?
    }

    private let load = Mutex(Load())
    let latency: Duration

    init(latency: Duration) {
        self.latency = latency
    }

    /// What was served since the last reset.
    func takeLoad() -> Load {
        load.withLock { load in
            defer { load = Load() }
            return load
        }
    }

    /// The body of every answer: a reply that writes one entry.
    private static let answer: ByteBuffer = {
        let reply = #"{"outbox_entries":[{"kind":"report","payload":{"text":"done"}}],"notes":"reported"}"#
        let body: JSONValue = [
            "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench",
            "choices": [
                ["index": 0, "message": ["role": "assistant", "content": .string(reply)], "finish_reason": "stop"]
            ],
            "usage": ["prompt_tokens": 400, "completion_tokens": 20, "total_tokens": 420],
        ]
        return ByteBuffer(bytes: JSONWriter(style: .compact).bytes(body))
    }()

    /// Serves until `body` returns; `body` gets the base URL (`http://127.0.0.1:PORT/v1`).
    func serve<Result: Sendable>(_ body: @Sendable (String) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let arrival = ContinuousClock.now
            self.load.withLock { load in
                load.inFlight += 1
                load.peak = max(load.peak, load.inFlight)
                load.firstArrival = load.firstArrival ?? arrival
                load.lastArrival = arrival
            }
            defer {
                let now = ContinuousClock.now
                self.load.withLock { load in
                    load.inFlight -= 1
                    load.served += 1
                    load.lastAnswer = now
                }
            }
            try await Task.sleep(for: self.latency)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: Self.answer))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "lemming.bench.slow-model", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await application.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                throw BenchmarkError("the slow model server did not start")
            }
            return try await body("http://127.0.0.1:\(port)/v1")
        }
    }
}
