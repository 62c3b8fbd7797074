import Foundation
import LemmingCore
import LemmingJSON
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

/// The `cli` provider: runs a local command as the model (DESIGN §6).
///
/// `{"provider": "cli", "command": ["python3", "model.py"], "timeout_seconds": 60, "env": {...}}`.
/// The command runs without a shell, in the org directory, with only `PATH`, `HOME` and the
/// entry's `env`. It reads one JSON object on stdin (`agent`, `tick`, `model`, `messages`,
/// `temperature`, `max_tokens`, `response_schema`); its stdout is the reply. A non-zero exit, a
/// timeout, empty output or more than ``maximumOutputBytes`` of output fail the turn.
public struct CommandProvider: ModelProvider {
    public static let maximumOutputBytes = 4 * 1024 * 1024
    static let maximumErrorBytes = 256 * 1024

    public let command: [String]
    public let timeoutSeconds: Double
    public let environment: [String: String]
    public let workingDirectory: String

    /// A command that exits without reading its stdin makes our write fail with `EPIPE`; the
    /// default `SIGPIPE` action would kill the whole engine, so the signal is ignored once.
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    public init(entry: ModelEntry, org: OrgPaths, environment processEnvironment: [String: String]) throws {
        Self.ignoreBrokenPipes
        let field = "\(entry.key)"
        guard let command = entry.document["command"]?.arrayValue?.compactMap(\.stringValue),
            !command.isEmpty, command.count == entry.document["command"]?.arrayValue?.count, !command[0].isEmpty
        else {
            throw LemmingError(
                .invalidFile, "needs \"command\": a non-empty array of strings (no shell is used)", path: "models.json",
                field: "\(field).command")
        }
        self.command = command
        if let timeout = entry.document["timeout_seconds"], !timeout.isNull {
            guard let seconds = timeout.doubleValue, seconds > 0 else {
                throw LemmingError(
                    .invalidFile, "must be a positive number", path: "models.json", field: "\(field).timeout_seconds")
            }
            timeoutSeconds = seconds
        } else {
            timeoutSeconds = 60
        }
        var environment: [String: String] = [:]
        for key in ["PATH", "HOME"] { environment[key] = processEnvironment[key] }
        if let extra = entry.document["env"], !extra.isNull {
            guard let object = extra.objectValue else {
                throw LemmingError(
                    .invalidFile, "must be an object of strings", path: "models.json", field: "\(field).env")
            }
            for (key, value) in object {
                guard let text = value.stringValue else {
                    throw LemmingError(
                        .invalidFile, "must be a string", path: "models.json", field: "\(field).env.\(key)")
                }
                environment[key] = text
            }
        }
        self.environment = environment
        workingDirectory = org.root
    }

    /// The JSON object written to the command's stdin.
    public static func input(for request: ChatRequest) -> [UInt8] {
        var object = JSONObject()
        object["agent"] = .string(request.agent)
        object["tick"] = .int(request.tick)
        object["model"] = .string(request.model)
        object["messages"] = .array(request.messages.map(\.json))
        object["temperature"] = .double(request.temperature)
        object["max_tokens"] = .int(request.maxTokens)
        object["response_schema"] = request.responseSchema ?? .null
        var bytes = JSONWriter(style: .compact).bytes(.object(object))
        bytes.append(0x0A)
        return bytes
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let input = Self.input(for: request)
        let executable: Executable = command[0].contains("/") ? .path(FilePath(command[0])) : .name(command[0])
        var keys: [Environment.Key: String] = [:]
        for (key, value) in environment {
            if let name = Environment.Key(rawValue: key) { keys[name] = value }
        }
        var options = PlatformOptions()
        // The command leads its own process group, so a timeout also stops what it started.
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        let configuration = Configuration(
            executable: executable, arguments: Arguments(Array(command.dropFirst())), environment: .custom(keys),
            workingDirectory: FilePath(workingDirectory), platformOptions: options)
        let timeout = timeoutSeconds
        let name = command[0]
        let outcome: ExecutionRecord? = try await withThrowingTaskGroup(of: ExecutionRecord?.self) { group in
            group.addTask {
                // Stdin comes from an unlinked temporary file rather than a pipe: a command that
                // exits without reading it cannot make the write fail.
                let stdin = try Self.temporaryInput(input)
                do {
                    let result = try await run(
                        configuration, input: .fileDescriptor(stdin, closeAfterSpawningProcess: true),
                        output: .bytes(limit: Self.maximumOutputBytes), error: .bytes(limit: Self.maximumErrorBytes))
                    return ExecutionRecord(
                        status: result.terminationStatus, output: result.standardOutput, error: result.standardError)
                } catch let error as SubprocessError {
                    if error.code == .init(.outputLimitExceeded) {
                        throw ProviderError(.process, "'\(name)' wrote more than \(Self.maximumOutputBytes) bytes")
                    }
                    if error.code == .init(.executableNotFound) {
                        throw ProviderError(.process, "command '\(name)' not found on PATH")
                    }
                    throw ProviderError(.process, "could not run '\(name)': \(error.code)")
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else {
            throw ProviderError(.timeout, "'\(name)' did not finish within \(Self.format(timeout)) s")
        }
        guard case .exited(0) = outcome.status else {
            let detail = String(decoding: outcome.error.suffix(500), as: UTF8.self).trimmingWhitespace()
            throw ProviderError(
                .process, "'\(name)' \(Self.describe(outcome.status))\(detail.isEmpty ? "" : ": \(detail)")")
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard !text.trimmingWhitespace().isEmpty else {
            throw ProviderError(.emptyReply, "'\(name)' wrote nothing on stdout")
        }
        return ChatResponse(text: text, usage: nil, finishReason: "stop")
    }

    /// An unlinked temporary file holding `bytes`, positioned at its start.
    static func temporaryInput(_ bytes: [UInt8]) throws -> FileDescriptor {
        do {
            return FileDescriptor(rawValue: try FileSystem.unlinkedTemporaryFile(containing: bytes))
        } catch {
            throw ProviderError(.process, "could not create the command's input file")
        }
    }

    private struct ExecutionRecord: Sendable {
        var status: TerminationStatus
        var output: [UInt8]
        var error: [UInt8]
    }

    private static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "was killed by signal \(signal)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}
