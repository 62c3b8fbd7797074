import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own for work that must not hold a thread of Swift's cooperative pool (SQLite
/// writes block), at the lowest scheduling priority (Linux's `SCHED_IDLE`), so that the search
/// index takes what the engine leaves of the processors instead of slowing its ticks.
final class BackgroundThread: Sendable {
    private struct Jobs {
        var queue: [@Sendable () -> Void] = []
        var isStarted = false
        var isStopped = false
    }

    private let jobs = Mutex(Jobs())
    private let signal = DispatchSemaphore(value: 0)

    /// Runs `job` on the thread and waits for it.
    func run(_ job: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            enqueue {
                job()
                continuation.resume()
            }
        }
    }

    /// Lets the thread end once the jobs before are done.
    func stop() {
        let wasStarted = jobs.withLock { jobs in
            jobs.isStopped = true
            return jobs.isStarted
        }
        if wasStarted { signal.signal() }
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        let start = jobs.withLock { jobs -> Bool in
            jobs.queue.append(job)
            defer { jobs.isStarted = true }
            return !jobs.isStarted
        }
        if start { startThread() }
        signal.signal()
    }

    private func startThread() {
        let thread = Thread { [self] in loop() }
        thread.name = "lemming.search"
        thread.start()
    }

    /// `SCHED_IDLE` (`<linux/sched.h>`; Glibc does not export it to Swift).
    static let idlePolicy: Int32 = 5

    private func loop() {
        #if canImport(Glibc)
        // On Linux the policy and the nice value belong to the thread: `0` is the calling one.
        // The idle policy: the thread runs only on a processor nothing else wants, and is
        // preempted as soon as something does (it measured faster for the engine than nice 10
        // or 19, BENCHMARKS.md "Search"). Where it is refused, nice 19.
        var parameters = sched_param(sched_priority: 0)
        if sched_setscheduler(0, Self.idlePolicy, &parameters) != 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        }
        #endif
        while true {
            signal.wait()
            let (job, isStopped) = jobs.withLock { jobs -> ((@Sendable () -> Void)?, Bool) in
                (jobs.queue.isEmpty ? nil : jobs.queue.removeFirst(), jobs.isStopped)
            }
            if let job {
                job()
            } else if isStopped {
                return
            }
        }
    }
}
