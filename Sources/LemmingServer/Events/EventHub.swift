import LemmingCore
import LemmingJSON
import LemmingSearch
import ServiceLifecycle
import Synchronization

/// Engine events for live clients: a ring of recent events, the tick timeline, the metrics, and
/// the subscribers of `/api/events`.
///
/// Events arrive from engines in this process (the hub is one of their sinks) and from
/// `logs/engine.jsonl`, which the hub follows while it runs as a service (so an engine in another
/// process is seen too). Each event is taken once, by sequence number. A subscriber can ask for
/// the events after a sequence it saw: they come from the ring, or from the log files when the
/// ring no longer holds them, before the live ones, with nothing missed or repeated.
public final class EventHub: EventSink, Service {
    /// Which events a subscriber wants.
    public struct Filter: Sendable {
        public var agents: Set<String>?
        public var kinds: Set<String>?

        public init(agents: Set<String>? = nil, kinds: Set<String>? = nil) {
            self.agents = agents
            self.kinds = kinds
        }

        func matches(_ event: EngineEvent) -> Bool {
            if let agents, !(event.agent.map(agents.contains) ?? false) { return false }
            if let kinds, !kinds.contains(event.kind.name) { return false }
            return true
        }
    }

    /// A live subscription: history first, then the stream.
    struct Subscription: Sendable {
        let id: Int
        /// Events after the requested sequence that happened before subscribing.
        let replay: [EngineEvent]
        /// Sequences that are gone from every log (rotated away), when the client asked for them.
        let missing: ClosedRange<Int>?
        let stream: AsyncStream<EngineEvent>
    }

    private struct Subscriber {
        var filter: Filter
        var continuation: AsyncStream<EngineEvent>.Continuation
    }

    private struct State {
        var ring: [EngineEvent] = []
        var ringStart = 0
        var lastSequence = -1
        var subscribers: [Int: Subscriber] = [:]
        var overflowed: Set<Int> = []
        var nextID = 0
        var timeline = TickTimeline()
        var isClosed = false
        // Following the log file.
        var offset = 0
        var inode: UInt64?
        var remainder: [UInt8] = []
    }

    let paths: OrgPaths
    let capacity: Int
    /// Events a slow subscriber may fall behind by before it is disconnected (to reconnect with `since`).
    let subscriberBuffer: Int
    let pollInterval: Duration
    let metrics: EngineMetrics
    /// Told of each new event before any subscriber sees it, so a client that saw an entry's
    /// event finds the entry in the message pages.
    let messages: MessageIndex
    /// Told of each new event, in order, to keep the search index current.
    let indexer: SearchIndexer
    private let state = Mutex(State())
    private let polling = Mutex(())

    init(
        paths: OrgPaths, metrics: EngineMetrics, messages: MessageIndex, indexer: SearchIndexer,
        capacity: Int = 10_000, pollInterval: Duration = .milliseconds(200)
    ) {
        self.paths = paths
        self.metrics = metrics
        self.messages = messages
        self.indexer = indexer
        self.capacity = capacity
        self.subscriberBuffer = capacity
        self.pollInterval = pollInterval
        seed()
    }

    // MARK: - Taking events

    /// An event of an engine in this process. When it is not the next one, another engine (in
    /// another process) committed events in between: they are in the log, and are taken first.
    public func receive(_ event: EngineEvent) {
        if event.sequence > lastSequence + 1 { poll() }
        take(event, live: true)
    }

    /// A commit of an engine in this process: its events as ``receive(_:)`` takes them, and the
    /// whole commit for the search index (which then need not read back what it wrote).
    public func committed(_ changes: CommittedChanges) {
        for event in changes.events {
            if event.sequence > lastSequence + 1 { poll() }
            take(event, live: true, indexes: false)
        }
        indexer.committed(changes)
    }

    /// Takes an event once; `live` events (not the history loaded at start) count in the metrics
    /// and go to the search index unless `indexes` is `false` (their commit goes to it whole).
    private func take(_ event: EngineEvent, live: Bool, indexes: Bool = true) {
        let taken = state.withLock { state -> Bool in
            guard !state.isClosed, event.sequence > state.lastSequence else { return false }
            state.lastSequence = event.sequence
            state.ring.append(event)
            if state.ring.count - state.ringStart > capacity {
                state.ringStart += 1
                if state.ringStart >= capacity {
                    state.ring.removeFirst(state.ringStart)
                    state.ringStart = 0
                }
            }
            state.timeline.record(event)
            if live {
                messages.announce(event)
                if indexes { indexer.receive(event) }
            }
            for (id, subscriber) in state.subscribers where subscriber.filter.matches(event) {
                if case .dropped = subscriber.continuation.yield(event) {
                    state.overflowed.insert(id)
                    state.subscribers[id] = nil
                    subscriber.continuation.finish()
                }
            }
            return true
        }
        if taken, live { metrics.record(event) }
    }

    /// The sequence of the newest event taken.
    var lastSequence: Int { state.withLock { $0.lastSequence } }

    /// Recent events, newest first, that pass `filter`, before sequence `before`.
    func recent(_ filter: Filter, before: Int?, limit: Int) -> [EngineEvent] {
        state.withLock { state in
            var result: [EngineEvent] = []
            var index = state.ring.count - 1
            while index >= state.ringStart, result.count < limit {
                let event = state.ring[index]
                index -= 1
                if let before, event.sequence >= before { continue }
                if filter.matches(event) { result.append(event) }
            }
            return result
        }
    }

    func ticks(before: Int?, limit: Int) -> [TickTimeline.Tick] {
        state.withLock { $0.timeline.page(before: before, limit: limit) }
    }

    // MARK: - Subscribers

    /// Subscribes to events that pass `filter`; with `since`, the events after that sequence come first.
    func subscribe(_ filter: Filter, since: Int?) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(
            of: EngineEvent.self, bufferingPolicy: .bufferingOldest(subscriberBuffer))
        let (id, recent, oldestInRing, closed) = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            var recent: [EngineEvent] = []
            if let since {
                for index in state.ringStart..<state.ring.count where state.ring[index].sequence > since {
                    if filter.matches(state.ring[index]) { recent.append(state.ring[index]) }
                }
            }
            let oldest =
                state.ringStart < state.ring.count ? state.ring[state.ringStart].sequence : state.lastSequence + 1
            if !state.isClosed { state.subscribers[id] = Subscriber(filter: filter, continuation: continuation) }
            return (id, recent, oldest, state.isClosed)
        }
        if closed { continuation.finish() }
        guard let since, since + 1 < oldestInRing else {
            return Subscription(id: id, replay: recent, missing: nil, stream: stream)
        }
        // Older than the ring: from the log files.
        let older = EventLogFiles(paths: paths).events(after: since, before: oldestInRing)
        let firstFound = older.first?.sequence ?? oldestInRing
        let missing = since + 1 < firstFound ? (since + 1)...(firstFound - 1) : nil
        return Subscription(id: id, replay: older.filter(filter.matches) + recent, missing: missing, stream: stream)
    }

    func unsubscribe(_ id: Int) {
        let subscriber = state.withLock { state in
            state.overflowed.remove(id)
            return state.subscribers.removeValue(forKey: id)
        }
        subscriber?.continuation.finish()
    }

    /// Whether the subscriber was dropped for falling too far behind.
    func didOverflow(_ id: Int) -> Bool { state.withLock { $0.overflowed.contains(id) } }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    // MARK: - Following the log

    /// Follows `logs/engine.jsonl` until a graceful shutdown, then ends every subscription.
    public func run() async throws {
        messages.isFollowed = true
        defer { messages.isFollowed = false }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    self.poll()
                    try await Task.sleep(for: self.pollInterval)
                }
            }
        } catch is CancellationError {}
        close()
    }

    /// Ends every subscription; later events are ignored.
    func close() {
        let subscribers = state.withLock { state in
            state.isClosed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    /// Loads the newest events of the log, and starts following it from its end.
    private func seed() {
        let info = FileSystem.info(paths.engineLog)
        let lines = (try? FileSystem.readTail(paths.engineLog, lines: capacity)) ?? nil
        state.withLock { state in
            state.inode = info?.inode
            state.offset = info?.size ?? 0
        }
        for event in EventLogFiles.parse(lines ?? []) { take(event, live: false) }
    }

    /// Reads what the log gained since the last look (and the end of a file rotated away meanwhile).
    /// One reader at a time: the service's loop and ``receive(_:)`` both call it.
    func poll() {
        polling.withLock { _ in readLog() }
    }

    private func readLog() {
        let info = FileSystem.info(paths.engineLog)
        var chunks: [[UInt8]] = []
        let (offset, inode) = state.withLock { ($0.offset, $0.inode) }
        var start = offset
        if let info, info.inode != inode || info.size < offset {
            let rotated = EventLogFiles(paths: paths).path(number: 1)
            if let old = FileSystem.info(rotated), old.inode == inode, old.size > offset,
                let bytes = try? FileSystem.read(rotated, from: offset, maxCount: old.size - offset)
            {
                chunks.append(bytes)
            }
            start = 0
            state.withLock { state in
                state.inode = info.inode
                state.offset = 0
            }
        }
        if let info, info.size > start,
            let bytes = try? FileSystem.read(paths.engineLog, from: start, maxCount: info.size - start)
        {
            chunks.append(bytes)
            state.withLock { $0.offset = start + bytes.count }
        }
        for chunk in chunks {
            let lines = state.withLock { state -> [UInt8] in
                var bytes = state.remainder + chunk
                let cut = (bytes.lastIndex(of: 0x0A) ?? -1) + 1
                state.remainder = Array(bytes[cut...])
                bytes.removeSubrange(cut...)
                return bytes
            }
            for event in EventLogFiles.parse(lines) { take(event, live: true) }
        }
    }
}
