import LemmingCore
import LemmingJSON

/// Where reading an agent's turn log goes on.
struct TurnLogPosition: Sendable, Equatable {
    var inode: UInt64
    var offset: Int
}

/// Reads the turn records of a `turns.jsonl` (DESIGN §5.7): complete lines, in chunks from the
/// file (a long-lived agent's log is large), or as a commit hands them over.
enum TurnLogReader {
    static let chunkBytes = 4 * 1024 * 1024

    struct Read {
        var documents: [SearchDocument]
        var position: TurnLogPosition
        /// The file is not the one read before (replaced, or shorter): read from its start.
        var restarted: Bool
    }

    /// A turn line without its `"request"`, `"inbox"` and `"reply"` members (the prompt and the
    /// model's raw text: most of the line, and nothing the index keeps: the reply's entries are
    /// documents of their own, its notes and tool calls are in `"parsed"`), so that parsing it
    /// costs what is indexed. The line is compact JSON as `TurnRecord` writes it, `"request"`
    /// first and `"parsed"` after `"reply"`; a quote inside a string is escaped, so neither key
    /// can be matched inside a value. Anything else is returned whole.
    static func indexedPart(_ line: ArraySlice<UInt8>) -> [UInt8] {
        let request = Array(#","request":{"#.utf8)
        let parsed = Array(#","parsed":"#.utf8)
        guard let start = firstRange(of: request, in: line),
            let end = firstRange(of: parsed, in: line[start.upperBound...])
        else { return Array(line) }
        return Array(line[..<start.lowerBound]) + Array(line[end.lowerBound...])
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

    /// The turn records of the complete lines in `bytes`, which start at byte `offset` of the
    /// file (a record's ref names its line's offset), and how many bytes those lines take: a
    /// last line without its newline is left for later. Lines that are not turn records are
    /// skipped.
    static func documents(in bytes: ArraySlice<UInt8>, agent: String, offset: Int) -> ([SearchDocument], Int) {
        var documents: [SearchDocument] = []
        var lineStart = bytes.startIndex
        while let newline = bytes[lineStart...].firstIndex(of: 0x0A) {
            let line = indexedPart(bytes[lineStart..<newline])
            if let value = try? JSONValue.parse(line),
                let document = SearchDocument(
                    turn: value, agent: agent, offset: offset + lineStart - bytes.startIndex)
            {
                documents.append(document)
            }
            lineStart = newline + 1
        }
        return (documents, lineStart - bytes.startIndex)
    }

    /// The turn records after `known`; `nil` when the file did not change (or does not exist).
    static func read(_ path: String, agent: String, after known: TurnLogPosition?) throws -> Read? {
        guard let info = FileSystem.info(path) else { return nil }
        var start = 0
        var restarted = known != nil
        if let known, known.inode == info.inode, known.offset <= info.size {
            guard known.offset < info.size else { return nil }
            start = known.offset
            restarted = false
        }
        var documents: [SearchDocument] = []
        var offset = start
        var pending: [UInt8] = []
        var pendingStart = start
        while offset < info.size {
            guard let chunk = try FileSystem.read(path, from: offset, maxCount: min(chunkBytes, info.size - offset)),
                !chunk.isEmpty
            else { break }
            offset += chunk.count
            pending += chunk
            let (read, consumed) = Self.documents(in: pending[...], agent: agent, offset: pendingStart)
            documents += read
            pending.removeFirst(consumed)
            pendingStart += consumed
        }
        // A line still being written is read next time, from its start.
        return Read(
            documents: documents, position: TurnLogPosition(inode: info.inode, offset: pendingStart),
            restarted: restarted)
    }
}
