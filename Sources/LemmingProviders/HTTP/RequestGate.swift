import Synchronization

/// At most `limit` requests to one endpoint in flight; the others wait their turn, first come
/// first served (`max_concurrent_requests` in `models.json`).
///
/// Hand-written because it is twenty lines: an async semaphore whose waiters can be cancelled.
/// A cancelled waiter leaves the queue at once and throws `CancellationError`; a permit handed to a
/// waiter that was cancelled in the same instant is passed on, never lost.
public final class RequestGate: Sendable {
    private struct State {
        var limit: Int
        var inFlight = 0
        var nextID = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state: Mutex<State>

    /// - Parameter limit: requests in flight at once, at least 1.
    public init(limit: Int) {
        state = Mutex(State(limit: max(limit, 1)))
    }

    /// The requests in flight and the requests waiting, for status output.
    public var load: (inFlight: Int, waiting: Int) {
        state.withLock { ($0.inFlight, $0.waiters.count) }
    }

    /// Lowers the limit to `limit` when it is lower (several entries may name one endpoint: the
    /// strictest wins). Requests already in flight finish.
    public func tighten(to limit: Int) {
        state.withLock { $0.limit = min($0.limit, max(limit, 1)) }
    }

    /// Runs `operation` once a place is free.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting; what `operation`
    ///   throws.
    public func run<T>(_ operation: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await operation()
    }

    private func enter() async throws {
        let id: Int? = state.withLock { state in
            if state.inFlight < state.limit && state.waiters.isEmpty {
                state.inFlight += 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func leave() {
        let next = state.withLock { state in
            guard !state.waiters.isEmpty, state.inFlight <= state.limit else {
                state.inFlight -= 1
                return nil as CheckedContinuation<Void, any Error>?
            }
            // The place goes straight to the first waiter: in flight stays the same.
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

extension RequestGate {
    /// The gates of a factory's endpoints, one per base URL, made when an entry that names the
    /// endpoint sets `max_concurrent_requests`.
    public final class Registry: Sendable {
        private let gates = Mutex<[String: RequestGate]>([:])

        public init() {}

        /// The gate of `settings`' endpoint, tightened to its limit; `nil` when it sets none.
        public func gate(for settings: HTTPSettings) -> RequestGate? {
            guard let limit = settings.maxConcurrentRequests else { return nil }
            return gates.withLock { gates in
                if let gate = gates[settings.baseURL] {
                    gate.tighten(to: limit)
                    return gate
                }
                let gate = RequestGate(limit: limit)
                gates[settings.baseURL] = gate
                return gate
            }
        }

        /// Each gated endpoint's requests in flight and waiting, by base URL.
        public var load: [String: (inFlight: Int, waiting: Int)] {
            gates.withLock { $0.mapValues(\.load) }
        }
    }
}
