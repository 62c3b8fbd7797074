import LemmingJSON

extension FileOrgStore {
    // MARK: - Commit

    /// Makes `changes` durable: the journal record is appended and synced (the commit point), then
    /// its files are written and `whenWritten` is called. With ``writesBehind`` the files are
    /// written on the store's own thread while the caller goes on (the next tick prepares
    /// meanwhile), and the files of a commit are always written before the next record is
    /// appended. A crash at any instant loses nothing: recovery writes the files from the journal.
    ///
    /// - Parameter whenWritten: called once the files are on disk (on the writer's thread with
    ///   ``writesBehind``), never when writing them failed, with the byte offset in its agent's
    ///   `turns.jsonl` at which each of `changes.turnLines` was appended.
    /// - Throws: ``LemmingError`` `.io` when the journal cannot be written, or the error a previous
    ///   commit's file writes met; after either, the store must not be used again.
    package func commit(
        _ changes: TickChanges, whenWritten: (@Sendable (_ turnLogOffsets: [Int]) -> Void)? = nil
    ) throws {
        try writer.wait()
        let offsets = turnLogOffsets(changes.turnLines)
        let journal = makeJournal(changes, turnLogOffsets: offsets)
        let hook = changes.label == "tick" ? crashPoint : nil
        try hook?(.beforeJournal(tick: journal.tick))
        try FileSystem.makeDirectory(paths.journal)
        if try FileSystem.appendDurably(journal.pieces, to: journalFile) {
            try FileSystem.syncDirectory(paths.journal)
        }
        try hook?(.journalWritten(tick: journal.tick, operations: journal.operations.count))
        for (lines, offset) in zip(changes.turnLines, offsets) {
            turnLogSizes[lines.agent] = offset + lines.bytes.count
        }
        var written: (@Sendable () -> Void)?
        if let whenWritten { written = { @Sendable in whenWritten(offsets) } }
        writer.enqueue(
            .init(
                journal: journal, root: paths.root, consumedCommands: changes.consumedCommands,
                // Two threads for large records even beside a running tick: measured, the overlap
                // costs the tick less than writing 10,000 files on one thread costs the writer.
                parallel: true, crashPoint: hook, whenWritten: written))
        if !writesBehind { try writer.wait() }
        commitsSinceCheckpoint += 1
        if commitsSinceCheckpoint >= checkpointInterval { try checkpoint() }
    }

    /// Waits until the files of every commit are written.
    ///
    /// - Throws: the error a write met.
    package func flush() throws {
        try writer.wait()
    }

    private func turnLogSize(_ agent: String) -> Int {
        if let size = turnLogSizes[agent] { return size }
        let size = FileSystem.info(paths.turns(agent))?.size ?? 0
        turnLogSizes[agent] = size
        return size
    }

    /// Where each of `lines` goes in its agent's `turns.jsonl`: after what the file holds and
    /// the lines before it in the same commit.
    private func turnLogOffsets(_ lines: [TickChanges.TurnLines]) -> [Int] {
        var sizes: [String: Int] = [:]
        return lines.map { lines in
            let offset = sizes[lines.agent] ?? turnLogSize(lines.agent)
            sizes[lines.agent] = offset + lines.bytes.count
            return offset
        }
    }

    private func makeJournal(_ changes: TickChanges, turnLogOffsets: [Int]) -> Journal {
        var journal = Journal(tick: changes.tick, label: changes.label)
        let pretty = JSONWriter(style: .pretty)
        for entry in changes.entries {
            journal.operations.append(.create(path: paths.relative(paths.entry(entry.id)), content: entry.fileBytes))
        }
        var written = StateHistory.Written()
        for change in changes.memory {
            let path = paths.relative(paths.memory(change.agent, key: change.key))
            if let record = change.record {
                let bytes = pretty.bytes(record.json)
                journal.operations.append(.replace(path: path, content: bytes))
                written.memory.append((path, bytes))
            } else {
                journal.operations.append(.delete(path: path))
                written.memory.append((path, nil))
            }
        }
        for file in changes.files {
            journal.operations.append(.create(path: file.path, content: file.content))
        }
        for (lines, offset) in zip(changes.turnLines, turnLogOffsets) {
            journal.operations.append(
                .append(path: paths.relative(paths.turns(lines.agent)), base: offset, content: lines.bytes))
        }
        for id in changes.archived {
            journal.operations.append(
                .move(from: paths.relative(paths.entry(id)), to: paths.relative(paths.archivedEntry(id))))
        }
        // Each table is made JSON once, for its file and for the history's patch.
        written.ledger = changes.ledger?.json
        written.cursors = changes.cursors?.json
        written.runtimes = changes.runtimes?.json
        if let ledger = written.ledger {
            journal.operations.append(.replace(path: paths.relative(paths.ledger), content: pretty.bytes(ledger)))
        }
        if let cursors = written.cursors {
            journal.operations.append(.replace(path: paths.relative(paths.cursors), content: pretty.bytes(cursors)))
        }
        if let runtimes = written.runtimes {
            journal.operations.append(
                .replace(path: paths.relative(paths.agentStates), content: pretty.bytes(runtimes)))
        }
        if var history {
            var sizes: [String: Int] = [:]
            for (lines, offset) in zip(changes.turnLines, turnLogOffsets) {
                sizes[lines.agent] = offset + lines.bytes.count
            }
            let base = history.size
            if let line = history.line(for: changes, written: written, paths: paths, turnLogSizes: sizes) {
                journal.operations.append(.append(path: StateHistory.file, base: base, content: line))
            }
            self.history = history
        }
        for name in changes.consumedCommands {
            journal.operations.append(.delete(path: paths.relative(paths.commands + "/" + name)))
        }
        if let tickState = changes.tickState {
            journal.operations.append(.replace(path: paths.relative(paths.tick), content: pretty.bytes(tickState.json)))
        }
        return journal
    }

    /// Flushes everything written since the last checkpoint to disk, then empties the journal.
    package func checkpoint() throws {
        try writer.wait()
        try FileSystem.syncFileSystem(containing: paths.root)
        try FileSystem.truncate(journalFile, to: 0)
        commitsSinceCheckpoint = 0
    }
}
