#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`).
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit (at most `cap`), as servers do at start: a tick of a
    /// thousand agents against one endpoint holds a thousand sockets, past the usual soft limit of
    /// 1024, while the hard limit is usually far higher. Never lowers it; a refusal leaves it as it
    /// was.
    ///
    /// - Returns: the soft limit in force afterwards (`nil` when it cannot be read).
    @discardableResult
    public static func raise(cap: UInt64 = 65_536) -> UInt64? {
        var limit = rlimit()
        guard getrlimit(resourceKind, &limit) == 0 else { return nil }
        let wanted = min(UInt64(limit.rlim_max), cap)
        guard UInt64(limit.rlim_cur) < wanted else { return UInt64(limit.rlim_cur) }
        var raised = limit
        raised.rlim_cur = rlim_t(wanted)
        return setrlimit(resourceKind, &raised) == 0 ? wanted : UInt64(limit.rlim_cur)
    }

    #if canImport(Glibc)
    private static let resourceKind = __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue))
    #else
    private static let resourceKind = RLIMIT_NOFILE
    #endif
}
