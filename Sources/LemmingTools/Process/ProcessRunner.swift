import LemmingCore
import Subprocess

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

/// Runs a tool's program: no shell, a given environment, stdin from bytes or closed, a timeout
/// that stops the program's whole process group, and output capped (the rest is read and
/// dropped so the program is never blocked on a full pipe).
struct ProcessRunner: Sendable {
    struct Request: Sendable {
        /// An absolute path to the executable.
        var executable: String
        var arguments: [String]
        var workingDirectory: String
        var environment: [String: String]
        /// Bytes on stdin, or `nil` for a closed stdin (`/dev/null`).
        var input: [UInt8]?
        var timeoutSeconds: Double
        var outputLimit: Int
        /// stderr joins stdout (as in a terminal) instead of being kept apart.
        var combineErrorWithOutput: Bool
    }

    struct Outcome: Sendable {
        var status: TerminationStatus
        var output: [UInt8]
        var error: [UInt8]
        var isOutputTruncated: Bool

        var exitedCleanly: Bool {
            if case .exited(0) = status { return true }
            return false
        }

        var statusDescription: String {
            switch status {
            case .exited(let code): return "exited with status \(code)"
            case .signaled(let signal): return "was killed by signal \(signal)"
            }
        }
    }

    enum Failure: Error, Sendable {
        case timedOut(Double)
        case couldNotStart(String)
    }

    /// The bytes of stderr kept when it is apart from stdout.
    static let errorLimit = 4_096

    /// A tool whose program exits without reading its stdin would make our write fail with
    /// `EPIPE`; the default `SIGPIPE` action would kill the engine, so the signal is ignored once.
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    func run(_ request: Request) async -> Result<Outcome, Failure> {
        Self.ignoreBrokenPipes
        var keys: [Environment.Key: String] = [:]
        for (key, value) in request.environment {
            if let name = Environment.Key(rawValue: key) { keys[name] = value }
        }
        var options = PlatformOptions()
        // The program leads its own process group, so a timeout also stops what it started.
        options.processGroupID = 0
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(200))
        ]
        let configuration = Configuration(
            executable: .path(FilePath(request.executable)), arguments: Arguments(request.arguments),
            environment: .custom(keys), workingDirectory: FilePath(request.workingDirectory), platformOptions: options)
        let timeout = request.timeoutSeconds
        return await withTaskGroup(of: Result<Outcome, Failure>?.self) { group in
            group.addTask { await Self.execute(configuration, request: request) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                return Task.isCancelled ? nil : .failure(.timedOut(timeout))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(.timedOut(timeout))
        }
    }

    private static func execute(_ configuration: Configuration, request: Request) async -> Result<Outcome, Failure> {
        let name = request.executable
        do {
            let limit = request.outputLimit
            if let input = request.input {
                let descriptor = FileDescriptor(rawValue: try FileSystem.unlinkedTemporaryFile(containing: input))
                let stdin = FileDescriptorInput.fileDescriptor(descriptor, closeAfterSpawningProcess: true)
                return .success(try await capture(configuration, input: stdin, limit: limit, combine: false))
            }
            return .success(
                try await capture(configuration, input: .none, limit: limit, combine: request.combineErrorWithOutput))
        } catch let error as SubprocessError {
            if error.code == .executableNotFound { return .failure(.couldNotStart("'\(name)' was not found")) }
            if error.code == .failedToChangeWorkingDirectory {
                return .failure(.couldNotStart("the working folder does not exist"))
            }
            return .failure(.couldNotStart("could not run '\(name)': \(error.code)"))
        } catch {
            return .failure(.couldNotStart("could not run '\(name)': \(error)"))
        }
    }

    private static func capture<Input: InputProtocol>(
        _ configuration: Configuration, input: Input, limit: Int, combine: Bool
    ) async throws -> Outcome {
        if combine {
            let result = try await Subprocess.run(
                configuration, input: input, output: .sequence, error: .combinedWithOutput
            ) { execution in
                try await collect(execution.standardOutput, limit: limit)
            }
            return Outcome(
                status: result.terminationStatus, output: result.closureResult.bytes, error: [],
                isOutputTruncated: result.closureResult.isTruncated)
        }
        let result = try await Subprocess.run(configuration, input: input, output: .sequence, error: .sequence) {
            execution in
            async let error = collect(execution.standardError, limit: errorLimit)
            let output = try await collect(execution.standardOutput, limit: limit)
            return (output, try await error)
        }
        return Outcome(
            status: result.terminationStatus, output: result.closureResult.0.bytes, error: result.closureResult.1.bytes,
            isOutputTruncated: result.closureResult.0.isTruncated)
    }

    private struct Collected: Sendable {
        var bytes: [UInt8] = []
        var isTruncated = false
    }

    /// Reads a stream to its end, keeping the first `limit` bytes.
    private static func collect(_ stream: SubprocessOutputSequence, limit: Int) async throws -> Collected {
        var collected = Collected()
        for try await buffer in stream {
            let room = limit - collected.bytes.count
            guard room > 0 else {
                if !buffer.isEmpty { collected.isTruncated = true }
                continue
            }
            buffer.withUnsafeBytes { raw in
                collected.bytes.append(contentsOf: raw.prefix(room))
                if raw.count > room { collected.isTruncated = true }
            }
        }
        return collected
    }

    /// `10` or `0.5`.
    static func format(seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }

    /// The absolute path of `program` on `path` (a `PATH` value), or `nil`.
    static func locate(_ program: String, path: String) -> String? {
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory + "/" + program
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// Whether `path` is a regular file this process may execute.
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0 && FileSystem.info(path)?.isRegularFile == true
    }
}
