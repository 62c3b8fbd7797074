import Foundation
import LemmingCore
import LemmingJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to the terminal. Everything a command prints goes through ``write(_:to:)``, which
/// throws ``OutputError`` when the output cannot be written (a full disk, a closed pipe):
/// ``LemmingMain/run(arguments:)`` turns that into one line and exit 1, or a quiet exit 0 for a
/// reader that went away (`lemming logs | head -1`).
enum Terminal {
    /// Where output goes.
    enum Stream: Sendable {
        case standardOutput
        case standardError

        var descriptor: Int32 { self == .standardOutput ? STDOUT_FILENO : STDERR_FILENO }
        var name: String { self == .standardOutput ? "standard output" : "standard error" }
    }

    /// Writes `text` followed by a newline to standard output.
    ///
    /// - Throws: ``OutputError`` when standard output cannot be written.
    static func print(_ text: String) throws {
        try write(text + "\n")
    }

    /// Writes `value` as pretty JSON (ending in a newline) to standard output.
    ///
    /// - Throws: ``OutputError`` when standard output cannot be written.
    static func printJSON(_ value: JSONValue) throws {
        try write(JSONWriter(style: .pretty).bytes(value))
    }

    /// Writes a line to standard error. Best effort: when even that fails there is nowhere left
    /// to say so.
    static func printError(_ text: String) {
        try? write(text + "\n", to: .standardError)
    }

    /// Writes `text` as it is (no newline added).
    ///
    /// - Throws: ``OutputError`` when the stream cannot be written.
    static func write(_ text: String, to stream: Stream = .standardOutput) throws {
        try write(Array(text.utf8), to: stream)
    }

    /// Writes all of `bytes`, retrying short writes and interrupted calls.
    ///
    /// - Throws: ``OutputError`` with the system's error code when a write fails.
    static func write(_ bytes: [UInt8], to stream: Stream = .standardOutput) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                systemWrite(stream.descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw OutputError(stream: stream, code: errno)
            }
            written += count
        }
    }

    static func credits(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return String(format: "%.4f", rounded)
    }
}

/// `write(2)`, named apart from ``Terminal/write(_:to:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}

/// Output that could not be written: the stream and the system's error code (`errno`).
struct OutputError: Error, CustomStringConvertible {
    let stream: Terminal.Stream
    let code: Int32

    /// The reader went away (`EPIPE`): the command ends quietly, as `head` expects.
    var isClosedPipe: Bool { code == EPIPE }

    var description: String { "cannot write to \(stream.name): \(String(cString: strerror(code)))" }
}
