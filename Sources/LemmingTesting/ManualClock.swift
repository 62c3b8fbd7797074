import Synchronization

/// A `Clock` that moves only when a test moves it, so that timeouts, retries, rate-limit waits and
/// breaker cooldowns are tested without sleeping and without wall-clock bounds.
///
/// Sleepers wait until ``advance(by:)`` or ``advance(to:)`` reaches their deadline; a cancelled
/// sleeper throws `CancellationError` at once. A test that must wait for code to go to sleep uses
/// ``waitForSleepers(_:)``:
///
/// ```swift
/// let clock = ManualClock()
/// async let result = withDeadline(.seconds(5), clock: clock) { try await neverEnding() }
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(5))   // the deadline passes: `result` throws DeadlineExceeded
/// ```
///
/// With `skipping`, a sleep no longer than that returns at once and moves the clock to its end,
/// as if that much time had passed while everything else waited (like swift-clocks'
/// `ImmediateClock`); longer sleeps, such as a call's deadline, still wait for ``advance(by:)``.
/// The skipped sleeps are recorded in ``skippedSleeps``.
///
/// Written here rather than taken from swift-clocks: its `TestClock` cannot tell a test how many
/// tasks sleep or until when, which the tests of concurrent calls over real sockets need.
public final class ManualClock: Clock, Sendable {
    /// A point on the clock: the time since it started.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var id: Int
        var count: Int
        var endingBy: Instant?
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
        var watchers: [Watcher] = []
        var skipped: [Duration] = []

        /// Removes and returns the sleepers whose deadline has come, earliest first.
        mutating func due() -> [CheckedContinuation<Void, any Error>] {
            let due = sleepers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in due { sleepers[id] = nil }
            return due.map(\.value.continuation)
        }

        /// Removes and returns the watchers whose count of sleepers is reached.
        mutating func satisfied() -> [CheckedContinuation<Void, Never>] {
            let deadlines = sleepers.values.map(\.deadline)
            func isSatisfied(_ watcher: Watcher) -> Bool {
                deadlines.filter { deadline in watcher.endingBy.map { deadline <= $0 } ?? true }.count >= watcher.count
            }
            let ready = watchers.filter(isSatisfied).map(\.continuation)
            watchers.removeAll(where: isSatisfied)
            return ready
        }
    }

    private let state = Mutex(State())
    private let skipping: Duration?

    /// - Parameter skipping: sleeps at most this long return at once, moving the clock (`nil`:
    ///   every sleep waits for the test to advance the clock).
    public init(skipping: Duration? = nil) {
        self.skipping = skipping
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                register(id: id, deadline: deadline, continuation: continuation)
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return Sleeper?.none
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Adds a sleeper (or fails it, when its task was cancelled first), and wakes what that wakes.
    private func register(id: Int, deadline: Instant, continuation: CheckedContinuation<Void, any Error>) {
        var due: [CheckedContinuation<Void, any Error>] = []
        var watchers: [CheckedContinuation<Void, Never>] = []
        let wasCancelled: Bool = state.withLock { state in
            if state.cancelled.remove(id) != nil { return true }
            if let skipping, deadline > state.now, state.now.duration(to: deadline) <= skipping {
                state.skipped.append(state.now.duration(to: deadline))
                state.now = deadline
            }
            state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
            due = state.due()
            watchers = state.satisfied()
            return false
        }
        if wasCancelled { continuation.resume(throwing: CancellationError()) }
        for sleeper in due { sleeper.resume() }
        for watcher in watchers { watcher.resume() }
    }

    /// Moves the clock forward by `duration`, waking every sleeper whose deadline it reaches.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    /// Moves the clock to `instant` (never backwards), waking every sleeper whose deadline it
    /// reaches, earliest first.
    public func advance(to instant: Instant) {
        let due = state.withLock { state in
            state.now = max(state.now, instant)
            return state.due()
        }
        for sleeper in due { sleeper.resume() }
    }

    /// Waits until at least `count` tasks sleep on the clock, counting only those that wake by
    /// `endingBy` when it is given (or until the waiting task is cancelled).
    public func waitForSleepers(_ count: Int, endingBy: Instant? = nil) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return [continuation] }
                    state.watchers.append(Watcher(id: id, count: count, endingBy: endingBy, continuation: continuation))
                    return state.satisfied()
                }
                for watcher in ready { watcher.resume() }
            }
        } onCancel: {
            let watcher = state.withLock { state in
                guard let index = state.watchers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return Watcher?.none
                }
                return state.watchers.remove(at: index)
            }
            watcher?.continuation.resume()
        }
    }

    /// The deadlines of the tasks sleeping now, earliest first.
    public var sleeperDeadlines: [Instant] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }

    /// The sleeps that returned at once because of `skipping`, in order, by their length.
    public var skippedSleeps: [Duration] { state.withLock { $0.skipped } }
}
