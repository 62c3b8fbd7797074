import Dispatch
import Synchronization

/// Writes the files of committed journal records on a thread of its own, in commit order.
///
/// A commit is durable once its record is in the journal (DESIGN §5.6); writing its files can
/// then overlap the next tick, on another core, and a crash in between loses nothing because
/// recovery writes them from the journal. The writer is the store's business: the engine only
/// commits. Blocking file I/O stays off Swift's cooperative threads.
///
/// A write that fails is *sticky*: every later ``wait()`` throws it, so the engine stops instead of
/// committing over files that may be behind their journal.
final class JournalWriter: Sendable {
    /// A journal record whose files are to be written.
    struct Job: Sendable {
        let journal: Journal
        let root: String
        /// Command files (names in `state/commands/`) the record deletes.
        let consumedCommands: [String]
        /// Split large records (64 operations or more) over two threads.
        let parallel: Bool
        let crashPoint: (@Sendable (FileOrgStore.CommitStep) throws -> Void)?
        /// Called once the files are written (not when writing failed).
        let whenWritten: (@Sendable () -> Void)?
    }

    private struct State {
        var outstanding = 0
        var failure: (any Error)?
        /// Command files consumed by records not yet written, with how many records consume each.
        var consumedCommands: [String: Int] = [:]
    }

    private let queue = DispatchQueue(label: "lemming.journal-writer")
    private let state = Mutex(State())

    /// Queues a record's files; returns at once.
    func enqueue(_ job: Job) {
        state.withLock { state in
            state.outstanding += 1
            for name in job.consumedCommands { state.consumedCommands[name, default: 0] += 1 }
        }
        queue.async { self.write(job) }
    }

    private func write(_ job: Job) {
        var failure: (any Error)?
        if state.withLock({ $0.failure == nil }) {
            do {
                let tick = job.journal.tick
                let hook = job.crashPoint
                try job.journal.apply(
                    root: job.root, recovering: false, parallel: job.parallel && hook == nil,
                    afterEach: hook.map { hook in { try hook(.applied(tick: tick, operation: $0)) } })
            } catch {
                failure = error
            }
        }
        if failure == nil { job.whenWritten?() }
        state.withLock { state in
            state.outstanding -= 1
            if state.failure == nil, let failure { state.failure = failure }
            for name in job.consumedCommands {
                let count = (state.consumedCommands[name] ?? 1) - 1
                state.consumedCommands[name] = count > 0 ? count : nil
            }
        }
    }

    /// Blocks until every queued record is written.
    ///
    /// - Throws: the first error a write met (it stays: the store is unusable after it).
    func wait() throws {
        if state.withLock({ $0.outstanding > 0 }) { queue.sync {} }
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// The names of every command file consumed but not yet deleted.
    var consumedCommands: Set<String> {
        state.withLock { Set($0.consumedCommands.keys) }
    }
}
