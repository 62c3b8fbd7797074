import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files of the file tools' atomic writes in workspaces and `shared/` (DESIGN §7),
/// and the removal of those a crash left behind.
///
/// A replacement is written to `.lemming-partial-<pid>-<n>.tmp` in the target's folder, synced,
/// then renamed over the target. The name carries the writing process's id, so a leftover is
/// recognised safely: it is removed only when it is a regular file whose writer is no longer
/// running, never a file an agent named like it while a writer lives, and never by following a
/// symlink.
public enum PartialWrite {
    /// The start of every temporary name: `.lemming-partial-<pid>-<n>.tmp`.
    public static let prefix = ".lemming-partial-"
    private static let counter = Atomic<Int>(0)

    /// A fresh temporary name for this process.
    public static func temporaryName() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)\(getpid())-\(number).tmp"
    }

    /// The writer's process id when `name` is a temporary name, else `nil`.
    public static func writer(of name: String) -> Int32? {
        guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(4)
        let parts = middle.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, Int(parts[1]) != nil else { return nil }
        return pid
    }

    /// Removes the leftovers of writers that are gone from every workspace and `shared/` of an
    /// org. Safe while tools run (a live writer's file is kept). Call it when an engine opens or
    /// recovers; the file tools also call ``removeLeftovers(under:)`` on each folder they first use.
    ///
    /// - Returns: how many files were removed.
    @discardableResult
    public static func removeLeftovers(in org: OrgPaths) -> Int {
        var removed = removeLeftovers(under: org.shared)
        for agent in (try? FileSystem.list(org.agents)) ?? [] {
            removed += removeLeftovers(under: org.workspace(agent))
        }
        return removed
    }

    /// Removes the leftovers of writers that are gone under one folder (symlinks not followed).
    @discardableResult
    public static func removeLeftovers(under folder: String) -> Int {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        return sweep(descriptor, depth: 0)
    }

    /// Sweeps the folder open as `descriptor` (closed on return).
    private static func sweep(_ descriptor: Int32, depth: Int) -> Int {
        FileSystem.withNames(inDirectory: descriptor) { names, folder in
            var removed = 0
            for name in names {
                var status = stat()
                guard fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFREG:
                    guard let writer = writer(of: name), !isRunning(writer) else { continue }
                    if unlinkat(folder, name, 0) == 0 { removed += 1 }
                case S_IFDIR where depth < 64:
                    let child = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    if child >= 0 { removed += sweep(child, depth: depth + 1) }
                default:
                    continue
                }
            }
            return removed
        } ?? 0
    }

    private static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
