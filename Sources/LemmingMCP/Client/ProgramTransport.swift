import Foundation
import LemmingCore
import LemmingProcess
import Logging
import MCP

/// The MCP stdio transport (specification 2025-06-18, "Transports"): newline-delimited JSON-RPC
/// messages on a server program's standard input and output.
///
/// Unlike the SDK's `StdioTransport`, it reads the program's output as it arrives (no polling)
/// and bounds the size of one message: a server that writes a longer line is stopped.
actor ProgramTransport: Transport {
    /// The transport stopped: the server closed its output, sent an oversized message, or the
    /// engine disconnected.
    struct Closed: Error, CustomStringConvertible {
        var description: String
    }

    nonisolated let logger: Logger
    private let session: ProcessRunner.Session
    private let maxMessageBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    init(session: ProcessRunner.Session, maxMessageBytes: Int, logger: Logger) {
        self.session = session
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    func connect() async throws {}

    func disconnect() async {
        continuation.finish(throwing: Closed(description: "disconnected"))
    }

    func send(_ data: Data) async throws {
        var bytes = [UInt8](data)
        bytes.append(0x0A)
        do {
            try await session.write(bytes)
        } catch {
            throw Closed(description: "the server no longer reads its input")
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// Passes the program's output on as messages until it ends; returns why it ended, or `nil`
    /// when the task was cancelled. The stream of messages then ends with an error (the SDK's
    /// client stops reading on an error, not on a normal end).
    nonisolated func pump() async -> String? {
        var lines = LineSplitter()
        let reason: String
        read: do {
            for await chunk in session.output {
                for line in lines.feedBytes(chunk) where line.contains(where: { $0 > 0x20 }) {
                    guard line.count <= maxMessageBytes else {
                        reason = "it sent a message longer than \(maxMessageBytes) bytes"
                        break read
                    }
                    continuation.yield(Data(line))
                }
                if lines.pendingByteCount > maxMessageBytes {
                    reason = "it sent a message longer than \(maxMessageBytes) bytes"
                    break read
                }
            }
            reason = "it closed its output"
        }
        continuation.finish(throwing: Closed(description: reason))
        return Task.isCancelled ? nil : reason
    }
}
