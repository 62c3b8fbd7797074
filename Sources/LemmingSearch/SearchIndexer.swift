import LemmingCore
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a ``SearchIndex`` current while it runs as a service.
///
/// As an engine's event sink it takes each commit in process, with the entries, memory records
/// and turn lines it wrote (``committed(_:)``), and events of another engine that an event hub
/// passes on (``receive(_:)``): both only append to a buffer, so the engine never waits for the
/// index. While the service runs, what arrives wakes its thread, which applies everything
/// buffered by then (so updates come in batches when they arrive faster than they apply); every
/// ``followInterval`` it also catches up from `logs/engine.jsonl`, which is how an engine in
/// another process is followed. Updates that do not follow the index's position (the buffer
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
    let clock: any Clock<Duration>
    private let logger: Logger
    private let state = Mutex(State())
    /// One update at a time: a caller that wants the index current waits for the one running.
    private let updating = Mutex(())

    private struct State {
        /// The running service's thread, woken by what arrives.
        var thread: BackgroundThread?
        var buffer: [IndexUpdate] = []
        var bufferedEvents = 0
        var bufferedBytes = 0
        var overflowed = false
        var readiness = Readiness.starting
    }

    public init(
        index: SearchIndex, follows: Bool = true, followInterval: Duration = .seconds(1),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "lemming.search")
    ) {
        self.index = index
        self.follows = follows
        self.followInterval = followInterval
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
        let thread = state.withLock { state -> BackgroundThread? in
            guard !state.overflowed else { return state.thread }
            state.bufferedEvents += events
            state.bufferedBytes += bytes
            guard state.bufferedEvents <= Self.bufferLimit, state.bufferedBytes <= Self.bufferBytesLimit else {
                state.buffer = []
                state.overflowed = true
                return state.thread
            }
            state.buffer.append(update)
            return state.thread
        }
        thread?.wake()
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
    /// The updates run on a ``BackgroundThread`` of lower priority: the engine's ticks come first.
    public func run() async throws {
        let thread = BackgroundThread { [weak self] in self?.update(follow: false) }
        defer {
            state.withLock { $0.thread = nil }
            thread.stop()
        }
        await thread.run { self.update() }
        state.withLock { $0.thread = thread }
        thread.wake()  // what arrived during the first pass
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    if self.follows {
                        try await self.clock.sleep(for: self.followInterval)
                    } else {
                        try await gracefulShutdown()
                    }
                }
            } catch {
                break
            }
            if follows { await thread.run { self.update(follow: true) } }
        }
        state.withLock { $0.thread = nil }
        await thread.run { self.update() }
        // Cancelled (not shut down gracefully): say so, as the other services of the group do.
        if Task.isCancelled { throw CancellationError() }
    }
}
