import LemmingCore
import LemmingJSON

/// Where reading an agent's turn log goes on.
struct TurnLogPosition: Sendable, Equatable {
    var inode: UInt64
    var offset: Int
}

/// Reads the turn records of a `turns.jsonl` (DESIGN §5.7) as documents: complete lines, in
/// chunks from the file, or as a commit hands them over (``TurnLogLines``).
enum TurnLogReader {
    struct Read {
        var documents: [SearchDocument]
        var position: TurnLogPosition
        /// The file is not the one read before (replaced, or shorter): read from its start.
        var restarted: Bool
    }

    /// The turn records of the complete lines in `bytes`, which start at byte `offset` of the
    /// file (a record's ref names its line's offset), and how many bytes those lines take: a
    /// last line without its newline is left for later. Lines that are not turn records are
    /// skipped.
    static func documents(in bytes: ArraySlice<UInt8>, agent: String, offset: Int) -> ([SearchDocument], Int) {
        var documents: [SearchDocument] = []
        let consumed = TurnLogLines.forEachLine(in: bytes) { line, at in
            if let document = document(line, agent: agent, offset: offset + at) { documents.append(document) }
        }
        return (documents, consumed)
    }

    private static func document(_ line: ArraySlice<UInt8>, agent: String, offset: Int) -> SearchDocument? {
        guard let value = try? JSONValue.parse(TurnLogLines.withoutPrompt(line)) else { return nil }
        return SearchDocument(turn: value, agent: agent, offset: offset)
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
        let end = try TurnLogLines.read(path, from: start, to: info.size) { line, offset in
            if let document = document(line, agent: agent, offset: offset) { documents.append(document) }
        }
        // A line still being written is read next time, from its start.
        return Read(
            documents: documents, position: TurnLogPosition(inode: info.inode, offset: end), restarted: restarted)
    }
}
