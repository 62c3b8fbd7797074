import LemmingJSON

/// Applies one line of an org's state history to a copy of it that stands where the line began:
/// the inverse of ``OrgRollback`` for one commit, with the entries and turn log bytes the line
/// names taken from the original org (the history keeps their paths and sizes, not their bytes).
enum OrgRollForward {
    /// - Parameter definition: whether edits of resumes and settings the line recorded are
    ///   applied too (a replay keeps the definition it is checking).
    /// - Throws: ``LemmingError`` when a file cannot be read or written.
    static func apply(
        _ line: StateHistoryFile.Line, from source: OrgPaths, to target: OrgPaths, definition: Bool = true
    ) throws {
        let value = line.value
        for entry in value["entries"]?.arrayValue ?? [] {
            guard let path = entry.stringValue else { continue }
            guard let found = source.currentEntryFile(path), let bytes = try FileSystem.readIfPresent(found) else {
                continue
            }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(path)))
            try FileSystem.writeAtomically(bytes, to: target.absolute(path))
        }
        for move in value["moved"]?.arrayValue ?? [] {
            guard let pair = move.arrayValue, pair.count == 2, let from = pair[0].stringValue,
                let to = pair[1].stringValue
            else { continue }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(to)))
            try FileSystem.move(target.absolute(from), to: target.absolute(to))
        }
        for (path, content) in value["memory"]?.objectValue ?? JSONObject() {
            if let bytes = content.isNull ? nil : StateHistory.bytes(content) {
                try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(path)))
                try FileSystem.writeAtomically(bytes, to: target.absolute(path))
            } else {
                try FileSystem.remove(target.absolute(path))
            }
        }
        for (path, size) in value["turns"]?.objectValue ?? JSONObject() {
            guard let size = size.intValue else { continue }
            let have = FileSystem.info(target.absolute(path))?.size ?? 0
            guard size > have, let bytes = try FileSystem.read(source.absolute(path), from: have, maxCount: size - have)
            else { continue }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(path)))
            try FileSystem.append(bytes, to: target.absolute(path))
        }
        for section in definition ? ["files", "resumes"] : ["files"] {
            for (path, content) in value[section]?.objectValue ?? JSONObject() {
                guard let bytes = StateHistory.bytes(content) else { continue }
                try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(path)))
                try FileSystem.writeAtomically(bytes, to: target.absolute(path))
            }
        }
        let pretty = JSONWriter(style: .pretty)
        let file = StateHistory.file
        if let patch = value["ledger"] {
            let ledger = try Ledger(json: JSONMergePatch.apply(patch, to: try read(target.ledger)), file: file)
            try FileSystem.writeAtomically(pretty.bytes(ledger.json), to: target.ledger)
        }
        if let patch = value["cursors"] {
            let cursors = try CursorTable(json: JSONMergePatch.apply(patch, to: try read(target.cursors)), file: file)
            try FileSystem.writeAtomically(pretty.bytes(cursors.json), to: target.cursors)
        }
        if let patch = value["runtimes"] {
            let runtimes = try AgentRuntimes(
                json: JSONMergePatch.apply(patch, to: try read(target.agentStates)), file: file)
            try FileSystem.writeAtomically(pretty.bytes(runtimes.json), to: target.agentStates)
        }
        if let tickState = value["tick_state"] {
            var tick = try TickState(json: tickState, file: file)
            if let current = try? TickState(json: try read(target.tick), file: file) {
                tick.nextEventSequence = max(tick.nextEventSequence, current.nextEventSequence)
            }
            try FileSystem.writeAtomically(pretty.bytes(tick.json), to: target.tick)
        }
        // The copy's history goes on as the original's did.
        try FileSystem.append(line.bytes, to: target.absolute(StateHistory.file))
    }

    private static func read(_ path: String) throws -> JSONValue {
        guard let bytes = try FileSystem.readIfPresent(path) else { return .object(JSONObject()) }
        return try JSONValue.parse(bytes)
    }
}
