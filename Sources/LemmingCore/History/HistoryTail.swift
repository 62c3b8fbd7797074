import LemmingJSON

/// A state history read as it grows, for a replay that compares each tick as it commits: each
/// read parses only the lines appended since the last one, and the tail keeps each turn log's size
/// as of the lines read so far, so that a tick's turn records are read from the range it
/// appended instead of the whole log.
struct HistoryTail {
    let paths: OrgPaths
    private var offset = 0
    private var lineCount = 0
    /// Each turn log's size after the lines read so far, by org-relative path.
    private(set) var turnLogs: [String: Int] = [:]

    init(paths: OrgPaths) {
        self.paths = paths
    }

    /// The lines appended since the last read, each with the turn log sizes before it.
    ///
    /// - Throws: ``LemmingError`` `.invalidFile` for a line that is not a history line, or the
    ///   file system's error.
    mutating func read() throws -> [(line: StateHistoryFile.Line, turnLogsBefore: [String: Int])] {
        let path = paths.root + "/" + StateHistory.file
        guard let size = FileSystem.info(path)?.size, size > offset,
            let bytes = try FileSystem.read(path, from: offset, maxCount: size - offset)
        else { return [] }
        let (lines, used) = try StateHistoryFile.lines(
            in: bytes[...], firstNumber: lineCount + 1, file: StateHistory.file)
        offset += used
        lineCount += lines.count
        return lines.map { line in
            let before = turnLogs
            Self.fold(line, into: &turnLogs)
            return (line, before)
        }
    }

    /// Each turn log's size after `line`, from its sizes before.
    static func fold(_ line: StateHistoryFile.Line, into turnLogs: inout [String: Int]) {
        for (path, size) in line.value["turns"]?.objectValue ?? [:] { turnLogs[path] = size.intValue }
    }

    /// For each tick of `history`, the turn log sizes before its committed line (the last line
    /// labelled `tick`).
    static func turnLogsBeforeCommits(of history: StateHistoryFile) -> [Int: [String: Int]] {
        var running: [String: Int] = [:]
        var before: [Int: [String: Int]] = [:]
        for line in history.lines {
            if !line.isBase && line.label == "tick" { before[line.tick] = running }
            fold(line, into: &running)
        }
        return before
    }
}
