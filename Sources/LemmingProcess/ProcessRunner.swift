import LemmingCore
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs one program for a tool or the `cli` provider: no shell, a given environment, stdin from
/// bytes or closed, inside the kernel sandbox unless the request opts out, under a deadline.
///
/// - The program leads its own process group. When the deadline passes (or the calling task is
///   cancelled, as when `lemming run` is stopped by a signal) the group gets `SIGTERM`, then
///   `SIGKILL` after ``Request/gracePeriod``; when the program ends by itself, whatever it left
///   running in its group is killed, so nothing it started outlives the call.
/// - stdin, stdout and stderr are unlinked temporary files, not pipes: a program that exits
///   without reading its input cannot make a write fail (no `SIGPIPE`), and a background child
///   that keeps stdout open cannot hold the call past the program's exit. Only the first
///   ``Request/outputLimit`` bytes of stdout and the last ``Request/errorLimit`` bytes of stderr
///   are read; the sandbox's file-size limit bounds what a program can write there.
/// - `SIGPIPE` is not touched here: `lemming`'s `main` ignores it once for the process.
///
/// It does not retry, interpret the output, or decide what a failure means to its caller.
public struct ProcessRunner: Sendable {
    public struct Request: Sendable {
        /// An absolute path to the program.
        public var executable: String
        public var arguments: [String]
        public var workingDirectory: String
        /// The program's whole environment.
        public var environment: [String: String]
        /// Bytes on stdin, or `nil` for a closed stdin (`/dev/null`).
        public var input: [UInt8]?
        public var timeout: Duration
        /// The bytes of stdout kept (the first ones).
        public var outputLimit: Int
        /// The bytes of stderr kept (the last ones).
        public var errorLimit: Int
        /// stderr joins stdout (as in a terminal) instead of being kept apart.
        public var combineErrorWithOutput: Bool
        /// The sandbox the program runs in; `nil` runs it unconfined (the org opted out).
        public var policy: SandboxPolicy?
        /// How long the program's group has between `SIGTERM` and `SIGKILL` when it is stopped.
        public var gracePeriod: Duration

        public init(
            executable: String, arguments: [String], workingDirectory: String, environment: [String: String],
            input: [UInt8]? = nil, timeout: Duration, outputLimit: Int, errorLimit: Int = 4_096,
            combineErrorWithOutput: Bool = false, policy: SandboxPolicy?, gracePeriod: Duration = .milliseconds(200)
        ) {
            self.executable = executable
            self.arguments = arguments
            self.workingDirectory = workingDirectory
            self.environment = environment
            self.input = input
            self.timeout = timeout
            self.outputLimit = outputLimit
            self.errorLimit = errorLimit
            self.combineErrorWithOutput = combineErrorWithOutput
            self.policy = policy
            self.gracePeriod = gracePeriod
        }
    }

    /// How a program that ran ended.
    public struct Outcome: Sendable {
        public enum Status: Sendable, Equatable {
            case exited(Int32)
            case signaled(Int32)
        }

        public var status: Status
        public var output: [UInt8]
        public var error: [UInt8]
        /// stdout held more than ``Request/outputLimit`` bytes.
        public var isOutputTruncated: Bool
        /// The number of bytes written to stdout.
        public var outputByteCount: Int
        /// stderr held more than ``Request/errorLimit`` bytes (its beginning was dropped).
        public var isErrorTruncated: Bool

        public var exitedCleanly: Bool { status == .exited(0) }

        /// "exited with status 3", "was killed by signal 9 (SIGKILL)".
        public var statusDescription: String {
            switch status {
            case .exited(let code): return "exited with status \(code)"
            case .signaled(let signal): return "was killed by signal \(signal)\(Self.signalName(signal))"
            }
        }

        /// The end of stderr as one trimmed line of at most 500 bytes, for error messages.
        public var errorSummary: String {
            String(decoding: error.suffix(500), as: UTF8.self).trimmingWhitespace()
        }

        static func signalName(_ signal: Int32) -> String {
            switch signal {
            case SIGKILL: return " (SIGKILL)"
            case SIGTERM: return " (SIGTERM)"
            case SIGXCPU: return " (SIGXCPU: its CPU time limit)"
            case SIGXFSZ: return " (SIGXFSZ: its file size limit)"
            case SIGSYS: return " (SIGSYS: a forbidden system call)"
            case SIGSEGV: return " (SIGSEGV)"
            default: return ""
            }
        }
    }

    public enum Failure: Error, Sendable, Equatable {
        case timedOut(Duration)
        case couldNotStart(String)
        /// The request needs a sandbox and this machine has none.
        case sandboxUnavailable(String)
    }

    public var sandbox: ProgramSandbox
    /// ``withDeadline(_:clock:operation:)`` on the clock given at `init`.
    private let deadline:
        @Sendable (Duration, @escaping @Sendable () async throws -> Outcome.Status) async throws ->
            Outcome.Status

    /// - Parameters:
    ///   - sandbox: where sandboxed requests run.
    ///   - clock: the clock of the timeouts (a test clock in tests).
    /// The clock of timeouts and grace periods.
    let clock: any Clock<Duration>

    public init(sandbox: ProgramSandbox, clock: some Clock<Duration> = ContinuousClock()) {
        self.sandbox = sandbox
        deadline = { duration, operation in try await withDeadline(duration, clock: clock, operation: operation) }
        self.clock = clock
    }

    public func run(_ request: Request) async -> Result<Outcome, Failure> {
        let launch: Launch
        switch prepare(request) {
        case .success(let prepared): launch = prepared
        case .failure(let failure): return .failure(failure)
        }
        let files: CapturedFiles
        do {
            files = try CapturedFiles(input: request.input)
        } catch {
            return .failure(.couldNotStart("could not create the program's input and output files"))
        }
        defer { files.close() }
        let group = StartedGroup()
        // Whatever the program left running in its group goes with it, however the call ends.
        defer { Self.killGroup(group.id.load(ordering: .relaxed)) }
        do {
            let status = try await deadline(request.timeout) {
                try await Self.execute(launch.configuration, files: files, combine: request.combineErrorWithOutput) {
                    pid in
                    group.id.store(pid, ordering: .relaxed)
                    Self.register(pid)
                }
            }
            return .success(files.outcome(status: status, request: request))
        } catch is DeadlineExceeded {
            return .failure(.timedOut(request.timeout))
        } catch let error as SubprocessError {
            return .failure(Self.failure(error, program: request.executable))
        } catch {
            return .failure(.couldNotStart("could not run '\(request.executable)': \(error)"))
        }
    }

    /// How a request's program is started: its configuration, through the sandbox launcher
    /// when the request has a policy.
    struct Launch: Sendable {
        var configuration: Configuration
    }

    /// The launch of `request`, or why its program cannot run.
    func prepare(_ request: Request) -> Result<Launch, Failure> {
        var executable = request.executable
        var arguments = request.arguments
        // Checked here: inside the sandbox a missing program would be the launcher's failure.
        guard ProgramLocator.isExecutable(executable) else {
            return .failure(.couldNotStart("'\(executable)' was not found or is not executable"))
        }
        if let policy = request.policy {
            guard
                let command = sandbox.command(
                    executable: executable, arguments: arguments, workingDirectory: request.workingDirectory,
                    policy: policy)
            else {
                if case .unavailable(let reason) = sandbox.kind { return .failure(.sandboxUnavailable(reason)) }
                return .failure(.sandboxUnavailable("no sandbox launcher"))
            }
            (executable, arguments) = command
        }
        var keys: [Environment.Key: String] = [:]
        for (key, value) in request.environment {
            if let name = Environment.Key(rawValue: key) { keys[name] = value }
        }
        var options = PlatformOptions()
        // The program leads its own process group, so stopping it also stops what it started.
        options.processGroupID = 0
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: request.gracePeriod)
        ]
        return .success(
            Launch(
                configuration: Configuration(
                    executable: .path(FilePath(executable)), arguments: Arguments(arguments),
                    environment: .custom(keys), workingDirectory: FilePath(request.workingDirectory),
                    platformOptions: options)))
    }

    /// A start failure of Subprocess, as the agent reads it.
    static func failure(_ error: SubprocessError, program: String) -> Failure {
        if error.code == .init(.executableNotFound) { return .couldNotStart("'\(program)' was not found") }
        if error.code == .init(.failedToChangeWorkingDirectory) {
            return .couldNotStart("the working folder does not exist")
        }
        return .couldNotStart("could not run '\(program)': \(error.code)")
    }

    private final class StartedGroup: Sendable {
        let id = Atomic<Int32>(0)
    }

    private static func execute(
        _ configuration: Configuration, files: CapturedFiles, combine: Bool,
        started: @escaping @Sendable (Int32) -> Void
    ) async throws -> Outcome.Status {
        let input = FileDescriptorInput.fileDescriptor(
            FileDescriptor(rawValue: try duplicate(files.input)), closeAfterSpawningProcess: true)
        let output = FileDescriptorOutput.fileDescriptor(
            FileDescriptor(rawValue: try duplicate(files.output)), closeAfterSpawningProcess: true)
        let status: TerminationStatus
        if combine {
            status = try await Subprocess.run(configuration, input: input, output: output, error: .combinedWithOutput) {
                started($0.processIdentifier.value)
            }.terminationStatus
        } else {
            let error = FileDescriptorOutput.fileDescriptor(
                FileDescriptor(rawValue: try duplicate(files.error)), closeAfterSpawningProcess: true)
            status = try await Subprocess.run(configuration, input: input, output: output, error: error) {
                started($0.processIdentifier.value)
            }.terminationStatus
        }
        switch status {
        case .exited(let code): return .exited(code)
        case .signaled(let signal): return .signaled(signal)
        }
    }

    static func duplicate(_ descriptor: Int32) throws -> Int32 {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw CapturedFiles.Failure() }
        return copy
    }

    /// A timeout as settings write it: `10 s`, `0.5 s`.
    public static func describe(timeout: Duration) -> String {
        let (seconds, attoseconds) = timeout.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? "\(Int(rounded)) s" : "\(rounded) s"
    }

    /// The process groups of the programs running now.
    private static let runningGroups = Mutex<Set<Int32>>([])

    /// Kills the process group `group` (0: none was started).
    /// Remembers a started group, so that ``killRunningGroups()`` stops it at exit.
    static func register(_ group: Int32) {
        runningGroups.withLock { _ = $0.insert(group) }
    }

    static func killGroup(_ group: Int32) {
        guard group > 0 else { return }
        _ = kill(-group, SIGKILL)
        runningGroups.withLock { _ = $0.remove(group) }
    }

    /// Kills every program (and its group) still running: for the executable's exit path, so
    /// that nothing outlives `lemming` when it exits without unwinding a call (`exit` after an
    /// abandoned tick). A `SIGKILL` of `lemming` itself cannot be caught; see the README.
    public static func killRunningGroups() {
        for group in runningGroups.withLock({ $0 }) { _ = kill(-group, SIGKILL) }
    }

    /// Registers ``killRunningGroups()`` to run at `exit`; for the executable's `main` to call once.
    public static func killRunningGroupsAtExit() {
        atexit { ProcessRunner.killRunningGroups() }
    }
}
