/// What a sandboxed program may do (DESIGN §7): the folders and files it may read, write and
/// execute, whether it may use the network, and its resource limits.
///
/// Everything not granted is refused by the kernel: with Landlock, opening a file to read,
/// write or execute outside these paths fails with `EACCES`, whatever the user id (root
/// included). Paths are absolute; a folder grants the right for everything beneath it, and a
/// symlink grants it for what it points to when the sandbox starts.
///
/// The policy is passed to the launcher as options (``launcherOptions``), so `ps` shows what a
/// program was allowed.
public struct SandboxPolicy: Sendable, Equatable {
    /// Folders and files the program may read (folders: list and read beneath).
    public var readable: [String]
    /// Folders (and device files such as `/dev/null`) the program may read, write, create and
    /// remove files in. Each must exist.
    public var writable: [String]
    /// Files (or folders) the program may execute: the allowed programs, their script
    /// interpreters and the dynamic loader.
    public var executable: [String]
    /// Whether the program may use the network (TCP to any port, UDP). Without it, `socket(2)`
    /// fails for every family and, with Landlock ABI 4 or later, so does every TCP bind and
    /// connect. UNIX sockets are refused either way (a daemon's socket is a way out).
    public var allowsNetwork: Bool
    public var limits: ResourceLimits

    public init(
        readable: [String] = SandboxPolicy.systemReadable, writable: [String] = [], executable: [String] = [],
        allowsNetwork: Bool = false, limits: ResourceLimits = ResourceLimits()
    ) {
        self.readable = readable
        self.writable = writable
        self.executable = executable
        self.allowsNetwork = allowsNetwork
        self.limits = limits
    }

    /// The system's program and library folders, and the few files of `/etc` and `/dev` that
    /// ordinary programs open (the loader's cache, users and groups for `ls -l`, time zones,
    /// locales). Not `/etc` as a whole: it holds `shadow` and SSH host keys. Missing entries are
    /// skipped.
    public static let systemReadable = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt",
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
        "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/locale.alias", "/etc/alternatives",
        "/etc/mime.types", "/etc/magic", "/proc", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full",
    ]

    /// What a program that uses the network also reads: name resolution and certificates.
    public static let networkReadable = [
        "/etc/hosts", "/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols",
        "/etc/ssl", "/etc/ca-certificates", "/etc/pki",
    ]

    /// Files every program may write: `/dev/null`.
    public static let systemWritable = ["/dev/null"]

    /// The system's program folders (for a `cli` model command, which may run other programs).
    public static let systemPrograms = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]

    /// The launcher options that state this policy (see ``SandboxLauncher``).
    ///
    /// - Parameter landlock: `false` when another layer (bubblewrap) confines the file system,
    ///   so the launcher applies only the limits, the privilege drop and the network filter.
    public func launcherOptions(landlock: Bool = true) -> [String] {
        var options: [String] = []
        if landlock {
            let readable = readable + (allowsNetwork ? Self.networkReadable : [])
            for path in readable { options += ["--read", path] }
            for path in Self.systemWritable + writable { options += ["--write", path] }
            for path in executable { options += ["--exec", path] }
        } else {
            options.append("--no-landlock")
        }
        if allowsNetwork { options.append("--network") }
        let values: [(String, Int?)] = [
            ("--cpu", limits.cpuSeconds), ("--fsize", limits.maxFileBytes), ("--nproc", limits.maxProcesses),
            ("--as", limits.maxMemoryBytes), ("--nofile", limits.maxOpenFiles),
        ]
        for case (let option, let value?) in values { options += [option, String(value)] }
        return options
    }
}

/// Resource limits of a sandboxed program (`setrlimit(2)`); `nil` leaves a limit as it is.
///
/// The program and every process it starts get them: CPU seconds (then `SIGXCPU`, and `SIGKILL`
/// a second later), the largest file it may write (then `SIGXFSZ`), how many processes may run
/// (counted per user: the launcher adds the user's current count; as root the program runs as
/// `nobody`, whose count this is), address space, and open files. Core dumps are always off.
public struct ResourceLimits: Sendable, Equatable {
    public var cpuSeconds: Int?
    public var maxFileBytes: Int?
    public var maxProcesses: Int?
    public var maxMemoryBytes: Int?
    public var maxOpenFiles: Int?

    public init(
        cpuSeconds: Int? = nil, maxFileBytes: Int? = nil, maxProcesses: Int? = nil, maxMemoryBytes: Int? = nil,
        maxOpenFiles: Int? = nil
    ) {
        self.cpuSeconds = cpuSeconds
        self.maxFileBytes = maxFileBytes
        self.maxProcesses = maxProcesses
        self.maxMemoryBytes = maxMemoryBytes
        self.maxOpenFiles = maxOpenFiles
    }
}

extension SandboxPolicy {
    /// The policy of a tool's program (DESIGN §7): it reads the system's program and library
    /// folders, `extraReadable` and the installation roots of its programs, writes `writable`,
    /// executes only `executables` (with their interpreters and the dynamic loader), and uses the
    /// network only when `allowsNetwork`. No installation root may cover a folder of `protecting`
    /// (the writable folders and the user's home are never granted that way).
    public static func program(
        executables: [String], writable: [String], searchPath: String, extraReadable: [String] = [],
        protecting: [String], allowsNetwork: Bool, limits: ResourceLimits
    ) -> SandboxPolicy {
        var executable: [String] = []
        for program in executables {
            for file in ProgramLocator.executionChain(of: program, path: searchPath) where !executable.contains(file) {
                executable.append(file)
            }
        }
        let roots = ProgramLocator.installationRoots(of: executable, protecting: writable + protecting)
        return SandboxPolicy(
            readable: systemReadable + extraReadable + roots, writable: writable, executable: executable + roots,
            allowsNetwork: allowsNetwork, limits: limits)
    }
}
