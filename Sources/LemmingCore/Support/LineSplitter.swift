/// Splits a byte stream into lines (`\n`, with an optional `\r` before it).
package struct LineSplitter: Sendable {
    private var buffer: [UInt8] = []
    /// How far `buffer` is known to hold no newline (a long line is scanned once, not per chunk).
    private var scanned = 0

    package init() {}

    package mutating func feed(_ bytes: [UInt8]) -> [String] {
        feedBytes(bytes).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The complete lines `bytes` ends, as bytes without their line ends.
    package mutating func feedBytes(_ bytes: [UInt8]) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var start = buffer.startIndex
        while let newline = buffer[max(start, scanned)...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            lines.append(Array(buffer[start..<end]))
            start = newline + 1
        }
        buffer.removeSubrange(..<start)
        scanned = buffer.count
        return lines
    }

    /// Bytes received after the last newline (a line not yet complete).
    package var pendingByteCount: Int { buffer.count }

    /// What is left after the last newline.
    package var remainder: String { String(decoding: buffer, as: UTF8.self) }
}
