#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel sandbox this machine offers for programs (DESIGN §7), and how to start a program
/// inside it.
///
/// - `landlock`: the kernel has Landlock (Linux 5.13 or later, enabled at boot). The launcher
///   applies the whole ``SandboxPolicy``: reads, writes and executions outside its paths fail;
///   with ABI 4 or later TCP is refused too, with ABI 6 or later signals and abstract UNIX
///   sockets cannot reach processes outside the sandbox.
/// - `bubblewrap`: no Landlock, but `bwrap` is installed. The program runs in new mount, PID,
///   IPC and UTS namespaces (and a new network namespace without network) that contain only the
///   policy's readable paths (read-only), its writable paths, its executables, `/proc`, a
///   minimal `/dev` and an empty `/tmp`; the launcher inside adds the limits, the privilege drop
///   and the network filter. The system folders `/usr/bin` and `/bin` are not mounted, so only
///   the policy's executables (and programs inside library folders) can run.
/// - `unavailable`: neither, or no launcher is known. Tools then refuse to run programs unless
///   the org opted out (`"sandbox": "none"`).
public struct ProgramSandbox: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case landlock(abi: Int)
        case bubblewrap(path: String)
        case unavailable(reason: String)
    }

    public var kind: Kind
    /// The launcher binary (LeMMing's own `lemming`), or `nil` when none is known.
    public var launcher: String?

    public init(kind: Kind, launcher: String?) {
        self.kind = kind
        self.launcher = launcher
    }

    /// The environment variable that names the launcher binary (tests set it; `lemming` itself
    /// does not need it).
    public static let launcherVariable = "LEMMING_SANDBOX_LAUNCHER"

    /// The sandbox of this machine: Landlock if the kernel has it, else bubblewrap if `bwrap` is
    /// on `PATH`, else unavailable.
    ///
    /// - Parameter environment: the process environment; `LEMMING_SANDBOX_LAUNCHER` names the
    ///   launcher, otherwise this executable is used when it is one (`lemming`).
    public static func detect(environment: [String: String]) -> ProgramSandbox {
        let launcher =
            environment[launcherVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? (SandboxLauncher.isCurrentExecutableLauncher ? currentExecutable() : nil)
        guard let launcher else {
            return ProgramSandbox(
                kind: .unavailable(reason: "no sandbox launcher (the lemming binary) is known"), launcher: nil)
        }
        let abi = SandboxLauncher.landlockABI
        if abi > 0 { return ProgramSandbox(kind: .landlock(abi: abi), launcher: launcher) }
        let path = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin:/bin"
        if let bwrap = ProgramLocator.locate("bwrap", path: path) {
            return ProgramSandbox(kind: .bubblewrap(path: bwrap), launcher: launcher)
        }
        return ProgramSandbox(
            kind: .unavailable(reason: "the kernel has no Landlock and bubblewrap (bwrap) is not installed"),
            launcher: launcher)
    }

    /// Whether programs can be confined.
    public var isAvailable: Bool {
        if case .unavailable = kind { return false }
        return true
    }

    /// What `lemming validate` and `doctor` print: `landlock ABI 7`, `bubblewrap (/usr/bin/bwrap)`
    /// or `unavailable: <reason>`.
    public var description: String {
        switch kind {
        case .landlock(let abi): return "landlock ABI \(abi)"
        case .bubblewrap(let path): return "bubblewrap (\(path))"
        case .unavailable(let reason): return "unavailable: \(reason)"
        }
    }

    /// The executable and arguments that run `executable` with `arguments` under `policy`, or
    /// `nil` when the sandbox is unavailable.
    public func command(
        executable: String, arguments: [String], workingDirectory: String, policy: SandboxPolicy
    ) -> (executable: String, arguments: [String])? {
        guard let launcher else { return nil }
        switch kind {
        case .landlock:
            return (
                launcher,
                [SandboxLauncher.argument] + policy.launcherOptions() + ["--", executable] + arguments
            )
        case .bubblewrap(let bwrap):
            let inner = [launcher, SandboxLauncher.argument] + policy.launcherOptions(landlock: false)
            return (
                bwrap,
                Self.bubblewrapOptions(policy, launcher: launcher, workingDirectory: workingDirectory) + ["--"]
                    + inner + ["--", executable] + arguments
            )
        case .unavailable:
            return nil
        }
    }

    /// The mounts and namespaces of a bubblewrap sandbox for `policy`.
    static func bubblewrapOptions(_ policy: SandboxPolicy, launcher: String, workingDirectory: String) -> [String] {
        var options = ["--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--new-session"]
        if !policy.allowsNetwork { options.append("--unshare-net") }
        options += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        // Program folders stay out: only the policy's executables are mounted in them.
        let programFolders = Set(SandboxPolicy.systemPrograms)
        let readable =
            policy.readable.filter { !programFolders.contains($0) && $0 != "/usr" && $0 != "/proc" }
            + ["/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/share"]
            + (policy.allowsNetwork ? SandboxPolicy.networkReadable : [])
        for path in readable where !path.hasPrefix("/dev/") { options += ["--ro-bind-try", path, path] }
        // Executables inside a mounted folder (the loader in /lib64) are there already, and a
        // read-only mount cannot take another mount on top.
        let mounted = readable.filter { !$0.hasPrefix("/dev/") }
        for path in policy.executable + [launcher]
        where !mounted.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            options += ["--ro-bind", path, path]
        }
        for path in policy.writable { options += ["--bind", path, path] }
        options += ["--chdir", workingDirectory]
        return options
    }

    /// The resolved path of this process's executable.
    static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments.first }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
