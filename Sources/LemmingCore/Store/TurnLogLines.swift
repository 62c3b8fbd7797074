/// Reads the lines of an agent's `logs/turns.jsonl` (DESIGN §5.7): complete lines, a chunk of the
/// file at a time (a long-lived agent's log is large), and each without the prompt and the raw
/// reply, which are most of a line and what a reader of the log's figures never needs. Used by
/// the search index and by the read models of `lemming stats` and `compare`.
package enum TurnLogLines {
    package static let chunkBytes = 4 * 1024 * 1024

    /// A turn line without its `"request"`, `"inbox"` and `"reply"` members (the prompt and the
    /// model's raw text), so that parsing it costs what a reader keeps: tick, stop reason,
    /// `"parsed"`, entries, violations, tool results, usage, cost. The line is compact JSON as
    /// `TurnRecord` writes it, `"request"` first and `"parsed"` after `"reply"`; a quote inside a
    /// string is escaped, so neither key can be matched inside a value. Anything else is returned
    /// whole.
    package static func withoutPrompt(_ line: ArraySlice<UInt8>) -> [UInt8] {
        let request = Array(#","request":{"#.utf8)
        let parsed = Array(#","parsed":"#.utf8)
        guard let start = firstRange(of: request, in: line),
            let end = firstRange(of: parsed, in: line[start.upperBound...])
        else { return Array(line) }
        return Array(line[..<start.lowerBound]) + Array(line[end.lowerBound...])
    }

    /// Calls `body` with each complete line of `bytes` (without its newline) and the line's offset
    /// from the start of `bytes`.
    ///
    /// - Returns: how many bytes the complete lines take: a last line without its newline is left
    ///   for later.
    package static func forEachLine(
        in bytes: ArraySlice<UInt8>,
        _ body: (_ line: ArraySlice<UInt8>, _ offset: Int) throws -> Void
    ) rethrows -> Int {
        var lineStart = bytes.startIndex
        while let newline = bytes[lineStart...].firstIndex(of: 0x0A) {
            try body(bytes[lineStart..<newline], lineStart - bytes.startIndex)
            lineStart = newline + 1
        }
        return lineStart - bytes.startIndex
    }

    /// Reads the file at `path` from byte `start` up to byte `end`, a chunk at a time, calling
    /// `body` with each complete line and its byte offset in the file.
    ///
    /// - Returns: the offset after the last complete line (a line still being written is read
    ///   next time, from its start).
    /// - Throws: ``LemmingError`` `.io` when the file cannot be read, or what `body` throws.
    package static func read(
        _ path: String,
        from start: Int,
        to end: Int,
        _ body: (_ line: ArraySlice<UInt8>, _ offset: Int) throws -> Void
    ) throws -> Int {
        var offset = start
        var pending: [UInt8] = []
        var pendingStart = start
        while offset < end {
            guard let chunk = try FileSystem.read(path, from: offset, maxCount: min(chunkBytes, end - offset)),
                !chunk.isEmpty
            else { break }
            offset += chunk.count
            pending += chunk
            let consumed = try forEachLine(in: pending[...]) { line, at in try body(line, pendingStart + at) }
            pending.removeFirst(consumed)
            pendingStart += consumed
        }
        return pendingStart
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let found = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[found..<found + needle.count].elementsEqual(needle) { return found..<found + needle.count }
            index = found + 1
        }
        return nil
    }
}
