import CLemmingSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The launcher that puts a program in the kernel sandbox.
///
/// Landlock, `no_new_privs`, resource limits and the seccomp network filter can only be applied
/// by a process to itself, and swift-subprocess has no hook that runs between `fork` and `exec`
/// on Linux. So a sandboxed program is started as
///
///     <lemming binary> __lemming-sandbox-exec <policy options> -- <program> <arguments>…
///
/// and the `lemming` binary, as the first thing its `main` does, recognises the hidden argument,
/// confines itself (the C target `CLemmingSandbox`: limits, privilege drop, `no_new_privs`,
/// Landlock ruleset, network filter, other descriptors closed) and `execve`s the program, which
/// inherits every restriction. No Swift runtime service, no thread and no engine code runs in
/// between. Reusing the `lemming` binary keeps LeMMing one self-contained file; the launcher's
/// path is injectable (`LEMMING_SANDBOX_LAUNCHER`) because tests run inside the test binary, not
/// `lemming`.
///
/// The options are those of ``SandboxPolicy/launcherOptions(landlock:)``. On failure the
/// launcher writes one line starting with `lemming sandbox:` to stderr and exits with 125 (the
/// sandbox could not be set up: the program never ran), 126 (the program could not be executed,
/// for example because the sandbox refused it) or 127 (not found).
public enum SandboxLauncher {
    /// The hidden first argument that turns `lemming` into the launcher.
    public static let argument = "__lemming-sandbox-exec"

    private static let currentExecutableIsLauncher = Atomic<Bool>(false)

    /// Whether this process's executable is a launcher (its `main` called ``runIfRequested(_:)``).
    public static var isCurrentExecutableLauncher: Bool { currentExecutableIsLauncher.load(ordering: .relaxed) }

    /// Acts as the launcher when `arguments[1]` is ``argument`` (then never returns); otherwise
    /// notes that this executable can launch sandboxed programs and returns.
    ///
    /// Call it first in `main`, before any thread starts.
    public static func runIfRequested(_ arguments: [String]) {
        guard arguments.count > 1, arguments[1] == argument else {
            currentExecutableIsLauncher.store(true, ordering: .relaxed)
            return
        }
        let options = Array(arguments.dropFirst(2))
        var pointers: [UnsafeMutablePointer<CChar>?] = options.map { strdup($0) }
        pointers.append(nil)
        let status = pointers.withUnsafeBufferPointer { buffer in
            lemming_sandbox_exec(Int32(options.count), buffer.baseAddress)
        }
        exit(status)
    }

    /// The highest Landlock ABI the running kernel offers, or 0 when it has none.
    public static var landlockABI: Int { Int(lemming_landlock_abi()) }
}
