import LemmingCore
import LemmingJSON

/// An agent's `logs/turns.jsonl` as `lemming logs` reads it: the last lines, and the lines that
/// are not turn records, reported by file and line instead of left out in silence.
struct TurnLog {
    /// The absolute path.
    let path: String
    /// The path relative to the org, for messages.
    let file: String

    /// The last `count` complete lines (a line being written is not complete yet).
    func lastLines(_ count: Int) throws -> [[UInt8]] {
        guard let bytes = try FileSystem.readTail(path, lines: count) else { return [] }
        return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    /// The number of complete lines of the file.
    func lineCount() throws -> Int {
        try Self.newlines(in: path, before: Int.max)
    }

    /// A turn record: a line holding a JSON object; `nil` for anything else.
    static func record(_ line: [UInt8]) -> JSONValue? {
        guard let value = try? JSONValue.parse(line), value.objectValue != nil else { return nil }
        return value
    }

    /// Says on standard error that a line is not a turn record.
    func reportUnreadable(line: Int) {
        Terminal.printError("warning: \(file):\(line): not a turn record (left out)")
    }

    /// The newlines of the file before byte `offset`, read a chunk at a time.
    static func newlines(in path: String, before offset: Int) throws -> Int {
        var count = 0
        var position = 0
        let chunk = 1 << 20
        while position < offset {
            guard let bytes = try FileSystem.read(path, from: position, maxCount: min(chunk, offset - position)),
                !bytes.isEmpty
            else { break }
            count += bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            position += bytes.count
        }
        return count
    }
}
