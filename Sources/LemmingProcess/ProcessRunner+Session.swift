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

extension ProcessRunner {
    /// A running program's standard input and output, valid while ``ProcessRunner/session(_:body:)``
    /// runs its body.
    public struct Session: Sendable {
        /// The program's process id (it leads its own process group).
        public let processIdentifier: Int32
        /// What the program writes on its standard output, chunk by chunk as it comes; the stream
        /// ends when the program closes its output or exits.
        public let output: AsyncStream<[UInt8]>
        private let writer: StandardInputWriter
        private let overflow: OnceFlag

        init(processIdentifier: Int32, output: AsyncStream<[UInt8]>, writer: StandardInputWriter, overflow: OnceFlag) {
            self.processIdentifier = processIdentifier
            self.output = output
            self.writer = writer
            self.overflow = overflow
        }

        /// Whether ``output`` ended because the program wrote a line longer than the session's
        /// `maxLineBytes` (the rest was not read).
        public var isOverflowed: Bool { overflow.isRaised }

        /// Writes `bytes` to the program's standard input.
        ///
        /// - Throws: an error when the program no longer reads its input (it exited).
        public func write(_ bytes: [UInt8]) async throws {
            _ = try await writer.write(bytes)
        }
    }

    /// Runs a long-lived program (an MCP server over stdio) for as long as `body` runs, inside
    /// the kernel sandbox when `request.policy` is set, in its own process group.
    ///
    /// Its standard input and output are pipes the body reaches through ``Session``; its standard
    /// error goes to a file whose last `request.errorLimit` bytes come back in the outcome. When
    /// `body` returns or its task is cancelled, the program's input is closed and its group is
    /// sent `SIGTERM`, then `SIGKILL` after `request.gracePeriod`. `request.input`, `timeout` and
    /// `outputLimit` do not apply.
    ///
    /// The output is read as the program writes it, but never more than `maxLineBytes` past the
    /// last newline: a longer line ends ``Session/output`` (and ``Session/isOverflowed`` says
    /// so), so a program that writes without end cannot fill the engine's memory.
    ///
    /// - Returns: what `body` returned and how the program ended, or why it could not start.
    public func session<T: Sendable>(
        _ request: Request, maxLineBytes: Int = .max, body: @escaping @Sendable (Session) async -> T
    ) async -> Result<(value: T, outcome: Outcome), Failure> {
        let launch: Launch
        switch prepare(request) {
        case .success(let prepared): launch = prepared
        case .failure(let failure): return .failure(failure)
        }
        let files: CapturedFiles
        do {
            files = try CapturedFiles(input: nil)
        } catch {
            return .failure(.couldNotStart("could not create the program's error file"))
        }
        defer { files.close() }
        let grace = request.gracePeriod
        let clock = self.clock
        do {
            let error = FileDescriptorOutput.fileDescriptor(
                FileDescriptor(rawValue: try Self.duplicate(files.error)), closeAfterSpawningProcess: true)
            let result = try await Subprocess.run(
                launch.configuration, input: .inputWriter, output: .sequence, error: error
            ) { execution in
                let group = execution.processIdentifier.value
                Self.register(group)
                defer { Self.killGroup(group) }
                let (output, chunks) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
                let overflow = OnceFlag()
                return await withTaskGroup(of: Void.self, returning: T.self) { tasks in
                    tasks.addTask {
                        var pending = 0
                        do {
                            for try await buffer in execution.standardOutput {
                                let bytes = buffer.withUnsafeBytes { Array($0) }
                                if let newline = bytes.lastIndex(of: 0x0A) {
                                    pending = bytes.count - newline - 1
                                } else {
                                    pending += bytes.count
                                }
                                chunks.yield(bytes)
                                if pending > maxLineBytes {
                                    overflow.raise()
                                    break
                                }
                            }
                        } catch {}
                        chunks.finish()
                    }
                    let value = await body(
                        Session(
                            processIdentifier: group, output: output, writer: execution.standardInputWriter,
                            overflow: overflow))
                    try? await execution.standardInputWriter.finish()
                    _ = kill(-group, SIGTERM)
                    // The reader ends when the program is gone; whatever outlives the grace is killed.
                    tasks.addTask {
                        try? await clock.sleep(for: grace)
                        _ = kill(-group, SIGKILL)
                    }
                    _ = await tasks.next()
                    tasks.cancelAll()
                    return value
                }
            }
            let status: Outcome.Status
            switch result.terminationStatus {
            case .exited(let code): status = .exited(code)
            case .signaled(let signal): status = .signaled(signal)
            }
            return .success((result.closureResult, files.outcome(status: status, request: request)))
        } catch let error as SubprocessError {
            return .failure(Self.failure(error, program: request.executable))
        } catch {
            return .failure(.couldNotStart("could not run '\(request.executable)': \(error)"))
        }
    }
}
