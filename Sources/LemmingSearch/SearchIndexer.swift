import LemmingCore
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a ``SearchIndex`` current while it runs as a service.
///
/// As an engine's event sink it takes each commit in process, with the entries, memory records
/// and turn lines it wrote (``committed(_:)``), and events of another engine that an event hub
/// passes on (``receive(_:)``): both only append to a buffer, so the engine never waits for the
/// index. While the service runs, what arrives is applied at once, then at most once every
/// ``refreshInterval`` while more keeps arriving (what a search engine calls its refresh
/// interval): a busy engine's commits are applied in batches, which costs it far less than one
/// by one (BENCHMARKS.md "Search"). Every ``followInterval`` it also catches up from
/// `logs/engine.jsonl`, which is how an engine in another process is followed. Updates that do not follow the index's position (the buffer
/// overflowed, an event was missed) make it catch up from the log or the files instead.
public final class SearchIndexer: EventSink, Service {
    /// Events buffered at most; past that the buffer is dropped and the log read instead.
    public static let bufferLimit = 100_000
    /// Bytes of entry text and turn lines buffered at most, likewise.
    public static let bufferBytesLimit = 64 * 1024 * 1024

    /// Whether the index can be searched yet.
    public enum Readiness: Sendable, Equatable {
        /// Not caught up once yet (being built, on a first start).
        case starting
        case ready
        /// Opening or updating it failed; the reason. The next pass tries again.
        case failed(String)
    }

    public let index: SearchIndex
    /// Whether the log is read when nothing arrived in process (`false` when whoever hands
    /// the events over follows the log itself, as the server's event hub does).
    public let follows: Bool
    /// How often the log is read when nothing arrived in process.
    public let followInterval: Duration
    /// The least time between two applications of what arrived: an update waits at most this
    /// long (plus the time to apply) before searches see it.
    public let refreshInterval: Duration
    let clock: any Clock<Duration>
    private let logger: Logger
    private let state = Mutex(State())
    /// One update at a time: a caller that wants the index current waits for the one running.
    private let updating = Mutex(())

    private struct State {
        /// Told of each arrival while the service runs.
        var arrivals: AsyncStream<Void>.Continuation?
        var buffer: [IndexUpdate] = []
        var bufferedEvents = 0
        var bufferedBytes = 0
        var overflowed = false
        var readiness = Readiness.starting
    }

    public init(
        index: SearchIndex, follows: Bool = true, followInterval: Duration = .seconds(1),
        refreshInterval: Duration = .milliseconds(250), clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "lemming.search")
    ) {
        self.index = index
        self.follows = follows
        self.followInterval = followInterval
        self.refreshInterval = refreshInterval
        self.clock = clock
        self.logger = logger
    }

    public func receive(_ event: EngineEvent) {
        buffer(.event(event), events: 1, bytes: 0)
    }

    public func committed(_ changes: CommittedChanges) {
        let bytes =
            changes.turnLines.reduce(0) { $0 + $1.bytes.count } + changes.entries.reduce(0) { $0 + $1.text.utf8.count }
        buffer(.commit(changes), events: changes.events.count, bytes: bytes)
    }

    private func buffer(_ update: IndexUpdate, events: Int, bytes: Int) {
        let arrivals = state.withLock { state -> AsyncStream<Void>.Continuation? in
            guard !state.overflowed else { return state.arrivals }
            state.bufferedEvents += events
            state.bufferedBytes += bytes
            guard state.bufferedEvents <= Self.bufferLimit, state.bufferedBytes <= Self.bufferBytesLimit else {
                state.buffer = []
                state.overflowed = true
                return state.arrivals
            }
            state.buffer.append(update)
            return state.arrivals
        }
        arrivals?.yield()
    }

    public var readiness: Readiness { state.withLock { $0.readiness } }

    /// Applies what was buffered, or catches up from the log when nothing was (or events were
    /// lost). Errors are logged, never thrown: the index is derived, and the next pass retries.
    ///
    /// - Parameter follow: whether to read the log when nothing was buffered.
    public func update(follow: Bool = true) {
        updating.withLock { _ in updateAlone(follow: follow) }
    }

    private func updateAlone(follow: Bool) {
        let isReady = readiness == .ready
        let (updates, overflowed) = state.withLock { state in
            defer {
                state.buffer = []
                state.bufferedEvents = 0
                state.bufferedBytes = 0
                state.overflowed = false
            }
            return (state.buffer, state.overflowed)
        }
        do {
            if isReady, !overflowed, !updates.isEmpty, case .applied = try index.apply(updates) { return }
            if !isReady || overflowed || !updates.isEmpty || follow { try index.catchUp() }
            state.withLock { $0.readiness = .ready }
        } catch {
            logger.warning("the search index could not be updated", metadata: ["error": "\(error)"])
            state.withLock { $0.readiness = .failed("\(error)") }
        }
    }

    /// Catches up, then applies updates as they come until a graceful shutdown, then once more.
    /// The updates run on a ``BackgroundThread`` of the lowest priority: the engine's ticks come
    /// first.
    public func run() async throws {
        let thread = BackgroundThread()
        // One pending arrival is enough: the update that follows takes everything buffered.
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        defer {
            state.withLock { $0.arrivals = nil }
            arrived.finish()
            thread.stop()
        }
        await thread.run { self.update() }
        state.withLock { $0.arrivals = arrived }
        arrived.yield()  // what arrived during the first pass
        try? await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in arrivals {
                        await thread.run { self.update(follow: false) }
                        try await self.clock.sleep(for: self.refreshInterval)
                    }
                }
                if self.follows {
                    group.addTask {
                        while true {
                            try await self.clock.sleep(for: self.followInterval)
                            await thread.run { self.update(follow: true) }
                        }
                    }
                }
            }
        }
        state.withLock { $0.arrivals = nil }
        await thread.run { self.update() }
        // Cancelled (not shut down gracefully): say so, as the other services of the group do.
        if Task.isCancelled { throw CancellationError() }
    }
}
