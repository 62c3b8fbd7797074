import LemmingJSON

/// The engine-owned state files of `state/` as read: `tick.json`, `ledger.json`, `cursors.json`,
/// `agents.json` (DESIGN §4).
///
/// A state file that exists but cannot be read (hand-edited, truncated by a disk error) never
/// leaves the org unusable (issue 11 item 6): readers get a safe stand-in and the problem in
/// ``unreadable``, and the engine sets the file aside and continues from the stand-in (see
/// ``StateFiles/standIn(for:)``), reporting what it assumed.
package struct StateFiles: Sendable {
    /// A state file that could not be read.
    package struct Unreadable: Sendable, Equatable {
        /// The file, relative to the org (`state/ledger.json`).
        package var file: String
        /// Why it could not be read.
        package var problem: String
        /// What stands in for it, in words.
        package var standIn: String
    }

    package var tick: TickState
    package var ledger: Ledger
    package var cursors: CursorTable
    package var runtimes: AgentRuntimes
    /// State files that exist but could not be read; their values above are stand-ins.
    package var unreadable: [Unreadable] = []

    /// The stand-in of each state file, in words.
    static func standIn(for file: String) -> String {
        switch file {
        case "state/tick.json":
            return "the next tick is rebuilt from the newest entry, memory record and turn record"
        case "state/ledger.json":
            return "balances are unknown, so every agent starts at 0 credits until it is topped up"
        case "state/cursors.json":
            return "every agent's inbox starts after the newest entries: what was unread is skipped"
        default:
            return "runtime state is reset: pauses, pending tool results and approval requests are forgotten"
        }
    }
}

extension FileOrgStore {
    /// Reads the state files, with defaults for those not written yet and stand-ins for those
    /// that cannot be read (see ``StateFiles``).
    ///
    /// - Throws: ``LemmingError`` `.io` when a file cannot be read at all, `.unsupportedFormat` when
    ///   it was written by a newer LeMMing (never replaced by a stand-in).
    package func loadState() throws -> StateFiles {
        var unreadable: [StateFiles.Unreadable] = []
        func read<T>(_ path: String, _ make: (JSONValue, String) throws -> T) throws -> T? {
            do {
                return try readState(path, make)
            } catch let error as LemmingError where error.code == .invalidFile {
                let file = paths.relative(path)
                unreadable.append(
                    .init(file: file, problem: error.message, standIn: StateFiles.standIn(for: file)))
                return nil
            }
        }
        let tick = try read(paths.tick) { try TickState(json: $0, file: $1) }
        let ledger = try read(paths.ledger) { try Ledger(json: $0, file: $1) }
        let cursors = try read(paths.cursors) { try CursorTable(json: $0, file: $1) }
        let runtimes = try read(paths.agentStates) { try AgentRuntimes(json: $0, file: $1) }
        var files = StateFiles(
            tick: tick ?? TickState(), ledger: ledger ?? Ledger(), cursors: cursors ?? CursorTable(),
            runtimes: runtimes ?? AgentRuntimes(), unreadable: unreadable)
        let lost = Set(unreadable.map(\.file))
        if lost.contains(paths.relative(paths.tick)) { files.tick = try rebuiltTickState() }
        if lost.contains(paths.relative(paths.ledger)) { files.ledger = try zeroBalances() }
        if lost.contains(paths.relative(paths.cursors)) { files.cursors = try cursorsAtTheNewestEntries() }
        return files
    }

    /// Sets an unreadable state file aside as `<file>.unreadable` (numbered when taken), so that
    /// nothing is lost and the stand-in can be written in its place.
    ///
    /// - Returns: the name it was set aside as.
    @discardableResult
    package func setAside(_ file: String) throws -> String {
        let source = paths.root + "/" + file
        var target = file + ".unreadable"
        var number = 1
        while FileSystem.exists(paths.root + "/" + target) {
            number += 1
            target = file + ".unreadable-\(number)"
        }
        try FileSystem.move(source, to: paths.root + "/" + target)
        return target
    }

    /// A tick state whose next tick follows everything already written: no entry id can be given
    /// twice.
    private func rebuiltTickState() throws -> TickState {
        var newest = 0
        for agent in (try FileSystem.list(paths.agents) ?? []) where Names.isValidAgentName(agent) {
            for folder in [paths.outbox(agent), paths.root + "/archive/outbox/" + agent] {
                for name in try FileSystem.list(folder) ?? [] {
                    if let id = EntryID(fileName: name, author: agent) { newest = max(newest, id.tick) }
                }
            }
            if let tail = try FileSystem.readTail(paths.turns(agent), lines: 1),
                let record = try? JSONValue.parse(Array(tail.split(separator: 0x0A).last ?? []))
            {
                newest = max(newest, record["tick"]?.intValue ?? 0)
            }
            for name in try FileSystem.list(paths.memory(agent)) ?? [] where name.hasSuffix(".json") {
                let record = try? JSONValue.parse(try FileSystem.read(paths.memory(agent) + "/" + name))
                newest = max(newest, record?["updated_tick"]?.intValue ?? 0)
            }
        }
        var state = TickState()
        state.nextTick = newest + 1
        state.lastCommittedTick = newest
        if let tail = try FileSystem.readTail(paths.engineLog, lines: 1),
            let event = try? JSONValue.parse(Array(tail.split(separator: 0x0A).last ?? []))
        {
            state.nextEventSequence = (event["seq"]?.intValue ?? 0) + 1
        }
        return state
    }

    /// Every agent at 0 credits: nothing runs on credits nobody can account for.
    private func zeroBalances() throws -> Ledger {
        var ledger = Ledger()
        for agent in (try FileSystem.list(paths.agents) ?? []) where Names.isValidAgentName(agent) {
            guard FileSystem.info(paths.resume(agent))?.isRegularFile == true else { continue }
            ledger[agent] = LedgerAccount(balance: 0)
        }
        return ledger
    }

    /// Cursors of every reader at the newest entry of every source.
    private func cursorsAtTheNewestEntries() throws -> CursorTable {
        let agents = (try FileSystem.list(paths.agents) ?? []).filter(Names.isValidAgentName)
        var heads: [String: EntryID] = [:]
        for agent in agents {
            var unreadable: [LemmingError] = []
            if let head = try listOutbox(of: agent, unreadable: &unreadable).max() { heads[agent] = head }
        }
        var table = CursorTable()
        for reader in agents where reader != Names.human {
            var positions: [String: ReadCursor] = [:]
            for (source, head) in heads where source != reader { positions[source] = ReadCursor(after: head) }
            table.positions[reader] = positions
        }
        return table
    }
}
