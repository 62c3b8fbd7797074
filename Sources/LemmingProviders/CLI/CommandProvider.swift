import LemmingCore
import LemmingJSON
import LemmingProcess

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `cli` provider: runs a local command as the model (DESIGN §6).
///
/// `{"provider": "cli", "command": ["python3", "model.py"], "timeout_seconds": 60, "env": {...},
/// "sandbox": "kernel", "network": false, "writable": []}`.
/// The command runs without a shell, in the org directory, with only `PATH`, `HOME`, `TMPDIR` (a
/// scratch folder made for the call and removed after it) and the entry's `env`. It reads one
/// JSON object on stdin (`agent`, `tick`, `model`, `messages`, `temperature`, `max_tokens`,
/// `response_schema`); its stdout is the reply. A non-zero exit, a timeout, empty output or more
/// than ``maximumOutputBytes`` on stdout fail the turn; stderr is kept (its last
/// ``maximumErrorBytes``) for the error message and never fails a turn by its size.
///
/// The command runs inside the kernel sandbox unless the entry says `"sandbox": "none"` (without
/// a sandbox on the machine, and without that opt-out, the turn fails). A model command is a
/// program the operator chose that often runs others (a wrapper script), so it may execute the
/// system's programs (`/usr/bin`, `/bin`, `/usr/local/bin`, …) besides its own; it reads the
/// system folders and the org (read-only); it writes only its scratch folder, `/dev/null` and the
/// folders listed in `"writable"` (absolute, or relative to the org); it has no network unless
/// `"network": true` (a command that talks to a model server needs it). No CPU or memory limit
/// (a local model may need both; the timeout bounds it), 256 processes, 1 GiB files.
public struct CommandProvider: ModelProvider {
    public static let maximumOutputBytes = 4 * 1024 * 1024
    public static let maximumErrorBytes = 64 * 1024

    public let command: [String]
    public let timeoutSeconds: Double
    public let environment: [String: String]
    public let workingDirectory: String
    /// Whether the command runs inside the kernel sandbox (`"sandbox"` is not `"none"`).
    public let isSandboxed: Bool
    public let allowsNetwork: Bool
    /// Absolute folders the command may write besides its scratch folder.
    public let writable: [String]
    let runner: ProcessRunner

    public init(
        entry: ModelEntry, org: OrgPaths, environment processEnvironment: [String: String],
        runner: ProcessRunner? = nil
    ) throws {
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
        switch entry.document["sandbox"] {
        case nil, .null, "kernel": isSandboxed = true
        case "none": isSandboxed = false
        default:
            throw LemmingError(
                .invalidFile, "must be \"kernel\" or \"none\"", path: "models.json", field: "\(field).sandbox")
        }
        switch entry.document["network"] {
        case nil, .null: allowsNetwork = false
        case .bool(let value): allowsNetwork = value
        default:
            throw LemmingError(.invalidFile, "must be true or false", path: "models.json", field: "\(field).network")
        }
        var writable: [String] = []
        if let list = entry.document["writable"], !list.isNull {
            guard let paths = list.arrayValue?.compactMap(\.stringValue), paths.count == list.arrayValue?.count,
                paths.allSatisfy({ !$0.isEmpty && !$0.contains("\0") })
            else {
                throw LemmingError(
                    .invalidFile, "must be an array of folder paths", path: "models.json", field: "\(field).writable")
            }
            writable = paths.map { $0.hasPrefix("/") ? $0 : org.root + "/" + $0 }
        }
        self.writable = writable
        self.runner = runner ?? ProcessRunner(sandbox: ProgramSandbox.detect(environment: processEnvironment))
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
        let name = command[0]
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let executable: String
        if name.hasPrefix("/") {
            executable = name
        } else if name.contains("/") {
            executable = workingDirectory + "/" + name
        } else {
            guard let found = ProgramLocator.locate(name, path: path) else {
                throw ProviderError(.process, "command '\(name)' not found on PATH")
            }
            executable = found
        }
        guard ProgramLocator.isExecutable(executable) else {
            throw ProviderError(.process, "command '\(name)' was not found or is not executable")
        }
        let scratch = try Self.makeScratchFolder()
        defer { try? FileSystem.removeTree(scratch) }
        var environment = environment
        environment["TMPDIR"] = scratch
        let chain = ProgramLocator.executionChain(of: executable, path: path)
        let roots = ProgramLocator.installationRoots(
            of: chain, protecting: [workingDirectory, scratch] + writable + [environment["HOME"] ?? "/root"])
        let policy = SandboxPolicy(
            readable: SandboxPolicy.systemReadable + [workingDirectory] + roots, writable: [scratch] + writable,
            executable: chain + roots + SandboxPolicy.systemPrograms,
            allowsNetwork: allowsNetwork,
            limits: ResourceLimits(maxFileBytes: 1 << 30, maxProcesses: 256, maxOpenFiles: 1_024))
        let outcome: ProcessRunner.Outcome
        let result = await runner.run(
            ProcessRunner.Request(
                executable: executable, arguments: Array(command.dropFirst()), workingDirectory: workingDirectory,
                environment: environment, input: Self.input(for: request), timeout: Deadline.seconds(timeoutSeconds),
                outputLimit: Self.maximumOutputBytes, errorLimit: Self.maximumErrorBytes,
                policy: isSandboxed ? policy : nil, gracePeriod: .seconds(1)))
        switch result {
        case .success(let value):
            outcome = value
        case .failure(.timedOut(let duration)):
            throw ProviderError(
                .timeout, "'\(name)' did not finish within \(ProcessRunner.describe(timeout: duration))")
        case .failure(.couldNotStart(let reason)):
            throw ProviderError(.process, reason)
        case .failure(.sandboxUnavailable(let reason)):
            throw ProviderError(
                .process,
                "'\(name)' was not run: no kernel sandbox on this machine (\(reason)); the operator may opt out "
                    + "with \"sandbox\": \"none\" in its models.json entry")
        }
        guard !outcome.isOutputTruncated else {
            throw ProviderError(
                .process,
                "'\(name)' wrote \(outcome.outputByteCount) bytes on stdout, more than its cap of "
                    + "\(Self.maximumOutputBytes)")
        }
        guard outcome.exitedCleanly else {
            let detail = outcome.errorSummary
            throw ProviderError(
                .process, "'\(name)' \(outcome.statusDescription)\(detail.isEmpty ? "" : ": \(detail)")")
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard !text.trimmingWhitespace().isEmpty else {
            throw ProviderError(.emptyReply, "'\(name)' wrote nothing on stdout")
        }
        return ChatResponse(text: text, usage: nil, finishReason: "stop")
    }

    /// A new, empty folder for the call's temporary files.
    static func makeScratchFolder() throws -> String {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if base.isEmpty || !base.hasPrefix("/") { base = "/tmp" }
        var template = Array((base + "/lemming-cli-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let start = buffer.baseAddress else { return false }
            return mkdtemp(start) != nil
        }
        guard made else { throw ProviderError(.process, "could not create the command's scratch folder") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
