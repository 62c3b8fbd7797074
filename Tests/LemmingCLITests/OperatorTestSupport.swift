import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A test precondition that did not hold (a setup step failed, a wait ran out).
struct OperatorTestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// An org made by `lemming init acme` in a fresh temporary directory; ``remove()`` deletes it.
struct InitOrg {
    let directory: String
    let root: String
    var paths: OrgPaths { OrgPaths(root: root) }

    /// Runs `lemming init acme` and merges `settings` into its `lemming.json`.
    static func make(settings: JSONObject = [:]) throws -> InitOrg {
        let directory = try temporaryDirectory()
        let org = InitOrg(directory: directory, root: directory + "/acme")
        let created = try Lemming.run(["init", "acme"], in: directory)
        guard created.status == 0 else {
            org.remove()
            throw OperatorTestFailure("lemming init failed: \(created.stderr)")
        }
        if !settings.isEmpty {
            try org.editJSON("lemming.json") { config in
                for (key, value) in settings { config[key] = value }
            }
        }
        return org
    }

    func remove() {
        try? FileSystem.removeTree(directory)
    }

    /// Runs `lemming arguments…` in the org's folder.
    func lemming(_ arguments: [String], environment: [String: String] = [:]) throws -> Lemming.Result {
        try Lemming.run(arguments, in: root, environment: environment)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func exists(_ relative: String) -> Bool { FileSystem.exists(path(relative)) }

    func json(_ relative: String) throws -> JSONValue {
        try JSONValue.parse(try FileSystem.read(path(relative)))
    }

    /// The names in a folder of the org, sorted (empty when it does not exist).
    func list(_ relative: String) throws -> [String] {
        (try FileSystem.list(path(relative)) ?? []).sorted()
    }

    func editJSON(_ relative: String, _ change: (inout JSONObject) throws -> Void) throws {
        guard var object = try json(relative).objectValue else {
            throw OperatorTestFailure("\(relative) is not a JSON object")
        }
        try change(&object)
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(.object(object)), to: path(relative))
    }

    /// Rewrites `permissions.read_outboxes` of an agent's resume.
    func setReads(_ agent: String, _ reads: [String]) throws {
        try editJSON("agents/\(agent)/resume.json") { resume in
            var permissions = resume["permissions"]?.objectValue ?? JSONObject()
            permissions["read_outboxes"] = .strings(reads)
            resume["permissions"] = .object(permissions)
        }
    }

    /// Every entry of an agent's outbox, oldest first.
    func entries(of agent: String) throws -> [OutboxEntry] {
        let view = try OrgView.load(root: root)
        return try view.entryIDs(of: agent).map { try view.entry($0).get() }
    }

    /// Every entry of the org, oldest first.
    func allEntries() throws -> [OutboxEntry] {
        let view = try OrgView.load(root: root)
        return try view.allEntryIDs().map { try view.entry($0).get() }
    }

    /// Every file under the org (relative path → bytes).
    func files() throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        func walk(_ relative: String) throws {
            for name in try FileSystem.list(relative.isEmpty ? root : path(relative)) ?? [] {
                let child = relative.isEmpty ? name : relative + "/" + name
                if FileSystem.info(path(child))?.isDirectory == true {
                    try walk(child)
                } else {
                    result[child] = try FileSystem.read(path(child))
                }
            }
        }
        try walk("")
        return result
    }

    /// Starts `lemming run` (forever, at the org's tick period) and waits until it holds the lock.
    func startEngine() async throws -> Background {
        let engine = try Background(["run"], in: root)
        let pid = engine.process.processIdentifier
        guard await eventually({ FileLock.holder(paths.lock) == pid }) else {
            engine.stop()
            throw OperatorTestFailure("the engine did not take the lock: \(engine.stderr)")
        }
        return engine
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` have passed.
///
/// - Returns: whether it held.
func eventually(seconds: Double = 60, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}

/// The lines of a command's output.
func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
}

/// A `lemming` process running in the background whose output is collected as it comes.
final class Background: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var output: [UInt8] = []
    private var errors: [UInt8] = []
    private let readersDone = DispatchGroup()

    init(
        _ arguments: [String], in directory: String, environment: [String: String] = [:],
        binary: String = Lemming.binary
    ) throws {
        process = Lemming.process(
            arguments, in: directory, environment: Lemming.environment(environment), binary: binary)
        let standardOutput = Pipe()
        let standardError = Pipe()
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        collect(standardOutput.fileHandleForReading) { self.output += $0 }
        collect(standardError.fileHandleForReading) { self.errors += $0 }
    }

    private func collect(_ handle: FileHandle, into append: @escaping @Sendable ([UInt8]) -> Void) {
        readersDone.enter()
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                lock.withLock { append(Array(data)) }
            }
            readersDone.leave()
        }
        thread.start()
    }

    var stdout: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

    /// Waits until the standard output contains `text`.
    func waitForOutput(_ text: String, seconds: Double = 60) async -> Bool {
        await eventually(seconds: seconds) { stdout.contains(text) }
    }

    /// Sends `signal` (and `SIGCONT`, in case it was stopped) if it still runs, waits for the exit
    /// (killing it after 60 s) and for the last output.
    func stop(signal: Int32 = SIGTERM) {
        if process.isRunning {
            kill(process.processIdentifier, signal)
            kill(process.processIdentifier, SIGCONT)
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        readersDone.wait()
    }
}

extension Lemming {
    /// Runs `lemming arguments…` with `input` on its standard input (a pipe, closed after it), in
    /// exactly `environment` (default: the test environment).
    static func run(
        _ arguments: [String], in directory: String, input: String, exactEnvironment: [String: String]? = nil
    ) throws -> Result {
        let process = process(arguments, in: directory, environment: exactEnvironment ?? environment())
        let output = Pipe()
        let error = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput
        try process.run()
        standardInput.fileHandleForWriting.write(Data(input.utf8))
        try standardInput.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `lemming arguments…` with its standard output on a pseudo-terminal.
    ///
    /// - Returns: the exit status and what it printed there.
    static func runOnTerminal(
        _ arguments: [String], in directory: String, environment: [String: String]
    ) throws -> (status: Int32, output: String) {
        // posix_openpt, grantpt and ptsname are not visible from Swift: open the multiplexer and
        // use its ioctls (TIOCSPTLCK, TIOCGPTN; the asm-generic values of x86_64 and arm64).
        let primary = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard primary >= 0, ioctl(primary, UInt(0x4004_5431), &unlock) == 0,
            ioctl(primary, UInt(0x8004_5430), &number) == 0
        else {
            if primary >= 0 { close(primary) }
            throw OperatorTestFailure("no pseudo-terminal (errno \(errno))")
        }
        defer { close(primary) }
        let replica = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard replica >= 0 else { throw OperatorTestFailure("cannot open the pseudo-terminal (errno \(errno))") }
        let process = process(arguments, in: directory, environment: environment)
        process.standardOutput = FileHandle(fileDescriptor: replica, closeOnDealloc: false)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(replica)
            throw error
        }
        close(replica)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            var descriptor = pollfd(fd: primary, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) > 0 {
                let count = read(primary, &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[..<count]
            } else if !process.isRunning {
                break
            }
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: bytes, as: UTF8.self))
    }
}
