import LemmingJSON

/// The comparison of one tick's commit in a replay with the original's (``OrgReplay``): the
/// history lines (entries, memory, ledger, cursors, runtimes and tick state), the entries' files
/// and the turn records the tick appended, each as JSON with wall-clock times and durations
/// compared apart.
struct TickComparison {
    var divergence: OrgReplay.Divergence?
    var isExact = true

    /// - Parameters:
    ///   - expectedLogs: the original's turn log sizes before `expected`, by path.
    ///   - actualLogs: the copy's turn log sizes before `actual`, by path.
    static func compare(
        expected: StateHistoryFile.Line, in source: OrgPaths, logsBefore expectedLogs: [String: Int],
        actual: StateHistoryFile.Line?, in target: OrgPaths, logsBefore actualLogs: [String: Int], tick: Int
    ) throws -> TickComparison {
        var comparison = TickComparison()
        guard let actual else {
            comparison.divergence = OrgReplay.Divergence(
                tick: tick, file: StateHistory.file, agent: nil, location: "the tick's commit",
                expected: "a commit", actual: "none (the tick did not commit)")
            return comparison
        }
        // Entries: the same files, with the same content.
        let expectedEntries = expected.value["entries"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let actualEntries = actual.value["entries"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if expectedEntries != actualEntries {
            let missing = expectedEntries.first { !actualEntries.contains($0) }
            let extra = actualEntries.first { !expectedEntries.contains($0) }
            let file = missing ?? extra ?? "entries"
            comparison.divergence = OrgReplay.Divergence(
                tick: tick, file: file, agent: agent(of: file), location: "the entries the tick wrote",
                expected: missing.map { "\($0) written" } ?? expectedEntries.joined(separator: ", "),
                actual: extra.map { "\($0) written" } ?? "\(file) not written")
            return comparison
        }
        for path in expectedEntries {
            let original = try source.currentEntryFile(path).flatMap { try FileSystem.readIfPresent($0) }
            try comparison.check(original, try FileSystem.readIfPresent(target.absolute(path)), file: path, tick: tick)
            if comparison.divergence != nil { return comparison }
        }
        // Turn records: the lines the tick appended to each turn log.
        let expectedTurns = expected.value["turns"]?.objectValue ?? JSONObject()
        let actualTurns = actual.value["turns"]?.objectValue ?? JSONObject()
        for (path, size) in expectedTurns {
            let original = try appended(
                path, at: tick, in: source, range: expectedLogs[path] ?? 0, size.intValue)
            let replayed = try appended(
                path, at: tick, in: target, range: actualLogs[path] ?? 0, actualTurns[path]?.intValue)
            try comparison.check(original, replayed, file: path, tick: tick)
            if comparison.divergence != nil { return comparison }
        }
        // The rest of the line: memory, ledger, cursors, runtimes, tick state.
        var left = expected.value
        var right = actual.value
        for key in ["entries", "turns", "resumes"] {
            left[key] = nil
            right[key] = nil
        }
        comparison.compareJSON(.object(left), .object(right), file: StateHistory.file, tick: tick)
        return comparison
    }

    /// Compares two files' bytes; JSON (or JSON lines) apart from times and durations.
    private mutating func check(_ expected: [UInt8]?, _ actual: [UInt8]?, file: String, tick: Int) throws {
        guard expected != actual else { return }
        isExact = false
        guard let expected, let actual else {
            divergence = OrgReplay.Divergence(
                tick: tick, file: file, agent: Self.agent(of: file), location: "the file",
                expected: expected == nil ? "no file" : "the file", actual: actual == nil ? "no file" : "the file")
            return
        }
        compareJSON(Self.json(expected), Self.json(actual), file: file, tick: tick)
    }

    private mutating func compareJSON(_ expected: JSONValue, _ actual: JSONValue, file: String, tick: Int) {
        if expected != actual { isExact = false }
        guard let (location, left, right) = Self.firstDifference(expected, actual, path: "") else { return }
        var agent = Self.agent(of: file)
        if agent == nil,
            location.hasPrefix("ledger.") || location.hasPrefix("cursors.") || location.hasPrefix("runtimes.")
        {
            agent = location.split(separator: ".").dropFirst().first.map(String.init)
        }
        var shown = (Self.excerpt(left), Self.excerpt(right))
        var place = location.isEmpty ? "the whole value" : location
        if let left = left?.stringValue, let right = right?.stringValue {
            // Long texts (a prompt): shown from a little before where they part.
            let common = zip(left, right).prefix { $0 == $1 }.count
            let start = max(0, common - 40)
            shown = (
                Self.excerpt(.string(String(left.dropFirst(start)))),
                Self.excerpt(.string(String(right.dropFirst(start))))
            )
            if start > 0 {
                shown = ("…" + shown.0, "…" + shown.1)
                place += " (from character \(start))"
            }
        }
        divergence = OrgReplay.Divergence(
            tick: tick, file: file, agent: agent, location: place, expected: shown.0, actual: shown.1)
    }

    /// The first place `expected` and `actual` differ, apart from times and durations.
    static func firstDifference(
        _ expected: JSONValue?, _ actual: JSONValue?, path: String
    ) -> (String, JSONValue?, JSONValue?)? {
        if let key = path.split(separator: ".").last, OrgReplay.volatileKeys.contains(String(key)) { return nil }
        switch (expected, actual) {
        case (.object(let left), .object(let right)):
            for key in left.keys + right.keys.filter({ left[$0] == nil }) {
                let child = path.isEmpty ? key : path + "." + key
                if let found = firstDifference(left[key], right[key], path: child) { return found }
            }
            return nil
        case (.array(let left), .array(let right)):
            for index in 0..<max(left.count, right.count) {
                let child = path + "[\(index)]"
                if let found = firstDifference(
                    index < left.count ? left[index] : nil, index < right.count ? right[index] : nil, path: child)
                {
                    return found
                }
            }
            return nil
        case (.string(let left), .string(let right)) where left != right:
            // A memory file or a resume kept as text: compare what it holds.
            if let inner = try? JSONValue.parse(Array(left.utf8)), let other = try? JSONValue.parse(Array(right.utf8)),
                inner.objectValue != nil
            {
                return firstDifference(inner, other, path: path)
            }
            return (path, expected, actual)
        default:
            return expected == actual ? nil : (path, expected, actual)
        }
    }

    /// A file as JSON: one document (an entry), or its lines (a turn log), each line that is not
    /// JSON as a string.
    static func json(_ bytes: [UInt8]) -> JSONValue {
        if let value = try? JSONValue.parse(bytes) { return value }
        return .array(
            bytes.split(separator: 0x0A).map {
                (try? JSONValue.parse(Array($0))) ?? .string(String(decoding: $0, as: UTF8.self))
            })
    }

    /// The agent an org-relative path belongs to (`agents/<name>/…`).
    static func agent(of file: String) -> String? {
        let parts = file.split(separator: "/")
        return parts.count > 1 && parts[0] == "agents" ? String(parts[1]) : nil
    }

    static func excerpt(_ value: JSONValue?) -> String {
        guard let value else { return "(nothing)" }
        let text = value.compactText
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }

    /// The turn log lines of `tick` in the log at `path`: read from the bytes the commit appended
    /// (`start` up to `end`, from the history's sizes), or from the whole log when the history
    /// does not say where they are (`end` unknown or before `start`: a log cut short since).
    private static func appended(
        _ path: String, at tick: Int, in paths: OrgPaths, range start: Int, _ end: Int?
    ) throws -> [UInt8]? {
        let file = paths.absolute(path)
        let read =
            if let end, end >= start, (FileSystem.info(file)?.size ?? 0) >= end {
                try FileSystem.read(file, from: start, maxCount: end - start)
            } else {
                try FileSystem.readIfPresent(file)
            }
        guard let bytes = read else { return nil }
        var kept: [UInt8] = []
        for line in bytes.split(separator: 0x0A) {
            guard let value = try? JSONValue.parse(Array(line)), value["tick"]?.intValue == tick else { continue }
            kept += line
            kept.append(0x0A)
        }
        return kept
    }
}
