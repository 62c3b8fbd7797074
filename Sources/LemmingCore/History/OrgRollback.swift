import LemmingJSON

/// Turns a copy of an org's files into the org as it was after a prefix of its state history
/// (issue 15: `lemming fork`, `backup`, `replay`).
///
/// What the engine owns is made exactly as it was: the state files (from the history's folded
/// ledger, cursors, runtimes and tick), every memory file, the outboxes and the archive (entries
/// of later commits removed, later archivings undone), each turn log (cut to its size then), the
/// resumes and settings, and the history itself (cut after the prefix). Agents that appeared
/// later are removed. What it does not own is left as copied: workspaces, `shared/`, templates.
/// The journal, pending commands, the search index and the provider breakers are removed (the
/// index is rebuilt when needed), and the event log keeps the events of the ticks kept.
package enum OrgRollback {
    /// Rolls `target` back to the first `count` lines of `history`.
    ///
    /// - Parameter source: the org the copy was made of, which may have moved on while it was
    ///   copied: an entry of the kept lines that the copy lacks (archived meanwhile) is taken from
    ///   wherever it is there now.
    /// - Throws: ``LemmingError`` when a file cannot be written, or `.invalidFile` when a state
    ///   file of the history cannot be read back.
    /// - Parameter keepsCommands: whether command files waiting in `state/commands/` stay (a
    ///   backup's: they are the human's, not yet applied), or go (a fork's: they are of now).
    package static func rollBack(
        _ target: OrgPaths, to count: Int, of history: StateHistoryFile, source: OrgPaths? = nil,
        keepsCommands: Bool = false
    ) throws {
        let kept = history.state(through: count)
        let later = history.lines.dropFirst(count)
        try undoEntries(of: later, in: target)
        if let source { try fetchMissingEntries(kept.entries, into: target, from: source) }
        try restoreMemory(kept.memory, in: target)
        try cutTurnLogs(to: kept.turnLogs, in: target)
        try restoreFiles(kept.files, removedAfter: later, in: target)
        try writeState(kept, in: target)
        try writeHistory(history.lines.prefix(count), in: target)
        try keepEvents(through: history.lines[count - 1].tick, in: target)
        try FileSystem.removeTree(target.journal)
        if !keepsCommands { try FileSystem.removeTree(target.commands) }
        for path in [
            target.searchIndex, target.searchIndex + "-wal", target.searchIndex + "-shm", target.lock,
            target.providerHealth,
        ] {
            try FileSystem.remove(path)
        }
    }

    /// Removes the entries later lines created and moves back what they archived, newest first.
    private static func undoEntries(of later: ArraySlice<StateHistoryFile.Line>, in target: OrgPaths) throws {
        for line in later.reversed() {
            for move in (line.value["moved"]?.arrayValue ?? []).reversed() {
                guard let pair = move.arrayValue, pair.count == 2, let from = pair[0].stringValue,
                    let to = pair[1].stringValue
                else { continue }
                let destination = target.absolute(from)
                try FileSystem.makeDirectory(FileSystem.parentDirectory(of: destination))
                try FileSystem.move(target.absolute(to), to: destination)
            }
            for entry in line.value["entries"]?.arrayValue ?? [] {
                if let path = entry.stringValue { try FileSystem.remove(target.absolute(path)) }
            }
        }
    }

    /// Copies from `source` the kept entries the copy lacks (archived while it was copied).
    private static func fetchMissingEntries(_ entries: Set<String>, into target: OrgPaths, from source: OrgPaths) throws
    {
        for path in entries.sorted() where !FileSystem.exists(target.absolute(path)) {
            guard let found = source.currentEntryFile(path), let bytes = try FileSystem.readIfPresent(found) else {
                continue
            }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: target.absolute(path)))
            try FileSystem.writeAtomically(bytes, to: target.absolute(path))
        }
    }

    /// Makes every agent's memory folder hold exactly the kept memory files.
    private static func restoreMemory(_ memory: [String: [UInt8]], in target: OrgPaths) throws {
        for agent in try FileSystem.list(target.agents) ?? [] {
            let folder = target.memory(agent)
            for name in try FileSystem.list(folder) ?? [] where name.hasSuffix(".json") {
                let path = target.relative(folder + "/" + name)
                if memory[path] == nil { try FileSystem.remove(folder + "/" + name) }
            }
        }
        for (path, bytes) in memory {
            let file = target.absolute(path)
            if try FileSystem.readIfPresent(file) == bytes { continue }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: file))
            try FileSystem.writeAtomically(bytes, to: file)
        }
    }

    /// Cuts each turn log to its kept size (removing logs that did not exist yet).
    private static func cutTurnLogs(to sizes: [String: Int], in target: OrgPaths) throws {
        for agent in try FileSystem.list(target.agents) ?? [] {
            let log = target.turns(agent)
            guard let info = FileSystem.info(log) else { continue }
            let size = sizes[target.relative(log)] ?? 0
            if size == 0 {
                try FileSystem.remove(log)
            } else if info.size > size {
                try FileSystem.truncate(log, to: size)
            }
        }
    }

    /// Writes the kept resumes and settings, and removes the agents and files that later lines
    /// brought (an agent whose resume the kept lines never saw appeared later).
    private static func restoreFiles(
        _ files: [String: [UInt8]], removedAfter later: ArraySlice<StateHistoryFile.Line>, in target: OrgPaths
    ) throws {
        for agent in try FileSystem.list(target.agents) ?? [] where agent != Names.human {
            let resume = target.relative(target.resume(agent))
            if files[resume] == nil, FileSystem.exists(target.resume(agent)) {
                try FileSystem.removeTree(target.agent(agent))
            }
        }
        for line in later {
            for (path, _) in line.value["files"]?.objectValue ?? JSONObject() where files[path] == nil {
                try FileSystem.remove(target.absolute(path))
            }
        }
        for (path, bytes) in files {
            let file = target.absolute(path)
            guard FileSystem.exists(FileSystem.parentDirectory(of: file)) || path.hasPrefix("agents/") else { continue }
            if try FileSystem.readIfPresent(file) == bytes { continue }
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: file))
            try FileSystem.writeAtomically(bytes, to: file)
        }
    }

    /// Writes the state files as the engine writes them, from the folded history. The event
    /// counter keeps the copy's value (it only numbers events, and never goes back).
    private static func writeState(_ state: StateHistoryFile.State, in target: OrgPaths) throws {
        let pretty = JSONWriter(style: .pretty)
        let file = StateHistory.file
        let ledger = try Ledger(json: state.ledger, file: file)
        let cursors = try CursorTable(json: state.cursors, file: file)
        let runtimes = try AgentRuntimes(json: state.runtimes, file: file)
        var tick = try TickState(json: state.tickState, file: file)
        if let current = try FileSystem.readIfPresent(target.tick).flatMap({ try? JSONValue.parse($0) }),
            let copied = try? TickState(json: current, file: file)
        {
            tick.nextEventSequence = max(tick.nextEventSequence, copied.nextEventSequence)
        }
        try FileSystem.makeDirectory(target.state)
        for (value, path) in [
            (ledger.json, target.ledger), (cursors.json, target.cursors), (runtimes.json, target.agentStates),
        ] {
            // A table the engine never wrote (nothing in it yet) stays unwritten, as in the original.
            if value.objectValue?.isEmpty == true, !FileSystem.exists(path) { continue }
            try FileSystem.writeAtomically(pretty.bytes(value), to: path)
        }
        try FileSystem.writeAtomically(pretty.bytes(tick.json), to: target.tick)
    }

    private static func writeHistory(_ lines: ArraySlice<StateHistoryFile.Line>, in target: OrgPaths) throws {
        var bytes: [UInt8] = []
        for line in lines { bytes += line.bytes }
        try FileSystem.writeAtomically(bytes, to: target.absolute(StateHistory.file))
    }

    /// Keeps the events of the ticks up to `tick` in the event log (and those of no tick).
    private static func keepEvents(through tick: Int, in target: OrgPaths) throws {
        guard let bytes = try FileSystem.readIfPresent(target.engineLog) else { return }
        var kept: [UInt8] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let value = try? JSONValue.parse(Array(line))
            if let eventTick = value?["tick"]?.intValue, eventTick > tick { continue }
            kept += line
            kept.append(0x0A)
        }
        try FileSystem.writeAtomically(kept, to: target.engineLog)
    }
}
