import Foundation
import LemmingCore
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `lemming` executable.
enum Lemming {
    /// The binary beside the test bundle (or `$LEMMING_BINARY`).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["LEMMING_BINARY"] { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var directory = bundle.deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return directory.appendingPathComponent("lemming").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The environment of a test run: the test's own, a fixed clock, no inherited org.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LEMMING_ORG"] = nil
        environment["NO_COLOR"] = "1"
        environment["LEMMING_FIXED_TIME"] = "2026-01-01T00:00:00Z"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    static func process(
        _ arguments: [String], in directory: String, environment: [String: String], binary: String = Lemming.binary
    ) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        return process
    }

    /// Runs `lemming arguments…` to completion.
    static func run(
        _ arguments: [String], in directory: String = NSTemporaryDirectory(), environment extra: [String: String] = [:]
    ) throws -> Result {
        try collect(process(arguments, in: directory, environment: environment(extra)))
    }

    /// Runs `process` to completion with stdin closed, collecting its stdout and stderr.
    static func collect(_ process: Process) throws -> Result {
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension Lemming {
    /// Runs `lemming arguments…` to completion on a thread of its own.
    ///
    /// For async tests whose `lemming` talks to a server in the test process (a fake model
    /// server): waiting on a thread of the cooperative pool could starve that server, which
    /// answers on the same pool (two cores: two threads).
    static func runOffPool(
        _ arguments: [String], in directory: String, environment: [String: String] = [:]
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try run(arguments, in: directory, environment: environment) })
            }.start()
        }
    }
}

/// A fresh directory for a test.
func temporaryDirectory() throws -> String {
    try makeTemporaryDirectory(prefix: "lemming-cli-")
}
