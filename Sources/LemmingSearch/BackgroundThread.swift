import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own for work that must not hold a thread of Swift's cooperative pool (SQLite
/// writes block), at a lower scheduling priority (nice 10 on Linux), so that the search index
/// takes what the engine leaves of the processors instead of slowing its ticks.
final class BackgroundThread: Sendable {
    private let jobs = Mutex<(queue: [@Sendable () -> Void], isStarted: Bool, isStopped: Bool)>(([], false, false))
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
        if start {
            let thread = Thread { [self] in loop() }
            thread.name = "lemming.search"
            thread.start()
        }
        signal.signal()
    }

    private func loop() {
        #if canImport(Glibc)
        // On Linux the nice value belongs to the thread: `0` is the calling one.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
        while true {
            signal.wait()
            let (job, isStopped) = jobs.withLock { jobs in
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
