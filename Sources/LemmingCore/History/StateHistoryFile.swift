import LemmingJSON

/// An org's state history as read back (``StateHistory`` writes it): its lines, and the state
/// they add up to after any of them.
package struct StateHistoryFile: Sendable {
    /// One line: a commit's changes, or the base.
    package struct Line: Sendable {
        package var tick: Int
        package var label: String
        package var isBase: Bool
        package var value: JSONObject
        /// The line's bytes with its newline.
        package var bytes: [UInt8]
    }

    /// The state after some lines, folded from the base.
    package struct State: Sendable {
        package var ledger: JSONValue = .object(JSONObject())
        package var cursors: JSONValue = .object(JSONObject())
        package var runtimes: JSONValue = .object(JSONObject())
        package var tickState: JSONValue = .object(JSONObject())
        /// Every memory file, by path relative to the org.
        package var memory: [String: [UInt8]] = [:]
        /// Each turn log's size, by path.
        package var turnLogs: [String: Int] = [:]
        /// Resumes, `lemming.json`, `models.json` and files commits created, by path: their bytes.
        package var files: [String: [UInt8]] = [:]
        /// Entry files the lines created, where they are after the lines (outbox or archive).
        package var entries: Set<String> = []
    }

    package var lines: [Line]

    /// - Throws: ``LemmingError`` `.invalidFile` naming the line that is not a history line.
    package init(bytes: [UInt8], file: String) throws {
        lines = try Self.lines(in: bytes[...], firstNumber: 1, file: file).lines
        guard !lines.isEmpty else { throw LemmingError(.invalidFile, "the state history is empty", path: file) }
    }

    /// The whole lines of `bytes`, which start at line `firstNumber` of the history (the base is
    /// line 1 and only line 1), and how many bytes they take. A torn last line (no newline) is not
    /// part of any commit: left out, and not counted.
    ///
    /// - Throws: ``LemmingError`` `.invalidFile` naming the line that is not a history line.
    package static func lines(
        in bytes: ArraySlice<UInt8>, firstNumber: Int, file: String
    ) throws -> (lines: [Line], byteCount: Int) {
        var lines: [Line] = []
        var start = bytes.startIndex
        var number = firstNumber - 1
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            number += 1
            let text = Array(bytes[start..<newline])
            guard let value = try? JSONValue.parse(text).objectValue, let tick = value["tick"]?.intValue else {
                throw LemmingError(.invalidFile, "line \(number) is not a state history line", path: file)
            }
            let isBase = value["base"]?.boolValue ?? false
            guard isBase == (number == 1) else {
                throw LemmingError(
                    .invalidFile,
                    number == 1 ? "the history does not start with its base" : "line \(number) is a second base",
                    path: file)
            }
            lines.append(
                Line(
                    tick: tick, label: value["label"]?.stringValue ?? "base", isBase: isBase, value: value,
                    bytes: Array(bytes[start...newline])))
            start = newline + 1
        }
        return (lines, start - bytes.startIndex)
    }

    /// The history of the org at `paths`.
    ///
    /// - Throws: ``LemmingError`` `.notFound` when the org has none (it never ran with this
    ///   version), or what ``init(bytes:file:)`` throws.
    package static func read(_ paths: OrgPaths) throws -> StateHistoryFile {
        guard let bytes = try FileSystem.readIfPresent(paths.root + "/" + StateHistory.file), !bytes.isEmpty else {
            throw LemmingError(
                .notFound,
                "this org has no state history (\(StateHistory.file)): it starts when an engine of this version opens the org",
                path: paths.root)
        }
        return try StateHistoryFile(bytes: bytes, file: StateHistory.file)
    }

    /// The resumes, settings and created files a history's lines recorded last, by path: read
    /// without parsing whole lines (an engine opening an org with a long history).
    package static func recordedFiles(in bytes: [UInt8]) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let markers = [Array(#""resumes":"#.utf8), Array(#""files":"#.utf8)]
        for line in bytes.split(separator: 0x0A) {
            guard markers.contains(where: { line.firstRange(of: $0) != nil }),
                let value = try? JSONValue.parse(Array(line))
            else { continue }
            for section in ["resumes", "files"] {
                for (path, content) in value[section]?.objectValue ?? JSONObject() {
                    files[path] = StateHistory.bytes(content)
                }
            }
        }
        return files
    }

    /// The tick the history starts after.
    package var firstTick: Int { lines[0].tick }

    /// The last tick a commit of the history completed.
    package var lastTick: Int {
        lines.last { $0.label == "tick" }?.tick ?? firstTick
    }

    /// How many lines make the org as it was after `tick`: the base and every line of a tick up
    /// to `tick` (the commits of the next tick's commands are the next tick's).
    ///
    /// - Throws: ``LemmingError`` `.invalidArgument` when the history starts after `tick` or
    ///   has not reached it.
    package func count(through tick: Int) throws -> Int {
        guard tick >= firstTick else {
            throw LemmingError(
                .invalidArgument, "the state history starts after tick \(firstTick): tick \(tick) cannot be made again",
                field: "--at")
        }
        guard tick <= lastTick else {
            throw LemmingError(
                .invalidArgument, "tick \(tick) has not been committed (the last is \(lastTick))", field: "--at")
        }
        return lines.firstIndex { !$0.isBase && $0.tick > tick } ?? lines.count
    }

    /// The state after the first `count` lines.
    package func state(through count: Int) -> State {
        var state = State()
        for line in lines.prefix(count) {
            let value = line.value
            if line.isBase {
                state.ledger = value["ledger"] ?? state.ledger
                state.cursors = value["cursors"] ?? state.cursors
                state.runtimes = value["runtimes"] ?? state.runtimes
            } else {
                if let patch = value["ledger"] { state.ledger = JSONMergePatch.apply(patch, to: state.ledger) }
                if let patch = value["cursors"] { state.cursors = JSONMergePatch.apply(patch, to: state.cursors) }
                if let patch = value["runtimes"] { state.runtimes = JSONMergePatch.apply(patch, to: state.runtimes) }
            }
            if let tickState = value["tick_state"] { state.tickState = tickState }
            for (path, content) in value["memory"]?.objectValue ?? JSONObject() {
                state.memory[path] = content.isNull ? nil : StateHistory.bytes(content)
            }
            for (path, size) in value["turns"]?.objectValue ?? JSONObject() { state.turnLogs[path] = size.intValue }
            for section in ["resumes", "files"] {
                for (path, content) in value[section]?.objectValue ?? JSONObject() {
                    state.files[path] = StateHistory.bytes(content)
                }
            }
            for entry in value["entries"]?.arrayValue ?? [] {
                if let path = entry.stringValue { state.entries.insert(path) }
            }
            for move in value["moved"]?.arrayValue ?? [] {
                guard let pair = move.arrayValue, pair.count == 2, let from = pair[0].stringValue,
                    let to = pair[1].stringValue
                else { continue }
                if state.entries.remove(from) != nil { state.entries.insert(to) }
            }
        }
        return state
    }
}

extension OrgPaths {
    /// Where the entry an org-relative entry path names is now: that path, or the same file in
    /// the outbox or the archive of its author (an entry is archived after a while). `nil` when
    /// it is in neither.
    func currentEntryFile(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        let author = name.split(separator: "-").dropFirst().dropLast().joined(separator: "-")
        return [absolute(path), archiveOutboxes + "/" + author + "/" + name, outbox(author) + "/" + name]
            .first(where: FileSystem.exists)
    }
}
