import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), released when the holder closes it or dies.
///
/// The engine holds `state/engine.lock` for as long as it runs, so a second engine on the same
/// org fails fast, and `kill -9` never leaves a stale lock behind. The file's content (the
/// holder's process id) is informational; it is emptied on a clean release.
package final class FileLock: Sendable {
    package let path: String
    private let descriptor: Int32
    private let released = Atomic<Bool>(false)

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock without waiting.
    ///
    /// - Returns: the held lock, or `nil` when another process holds it.
    /// - Throws: ``LemmingError`` when the lock file cannot be opened.
    package static func tryAcquire(_ path: String) throws -> FileLock? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystem.error("open lock", path) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw FileSystem.error("lock", path, code)
        }
        let lock = FileLock(path: path, descriptor: descriptor)
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return lock
    }

    /// The process id written by the current holder, if readable.
    package static func holder(_ path: String) -> Int32? {
        guard let bytes = try? FileSystem.readIfPresent(path) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmingWhitespace())
    }

    /// Whether a process with this id exists (the holder of a lock file may have died).
    package static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Releases the lock and empties the file.
    package func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
