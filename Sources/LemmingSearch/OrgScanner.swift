import Dispatch
import GRDB
import LemmingCore
import LemmingJSON
import Synchronization

/// Makes the index hold exactly what the org's files hold: for a rebuild, and to catch up when
/// the events that would say what changed are gone (a log rotated away, an index restored from
/// long ago). Lists every outbox, the archive, every memory folder and every turn log.
struct OrgScanner {
    /// Entries are read this many at a time (on two threads), then written in one go.
    static let batchSize = 8_192

    let paths: OrgPaths

    /// Where the org is before a scan: events up to here are in the files the scan reads.
    struct StartingPoint {
        var sequence: Int
        var tick: Int
        var logInode: UInt64?
        var logOffset: Int
    }

    /// The org's position. The log is looked at first: every event it holds by then belongs to a
    /// commit whose files (`state/tick.json` among them) are written, since events are logged only
    /// after their commit's files.
    ///
    /// - Throws: ``LemmingError`` when `state/tick.json` cannot be read.
    func startingPoint() throws -> StartingPoint {
        let log = FileSystem.info(paths.engineLog)
        let org = try OrgPosition.read(paths)
        return StartingPoint(sequence: org.sequence, tick: org.tick, logInode: log?.inode, logOffset: log?.size ?? 0)
    }

    /// Every agent with files that hold history: agent folders and archive folders.
    func authors() throws -> [String] {
        var names = Set((try FileSystem.list(paths.agents) ?? []).filter(Names.isValidAgentName))
        names.formUnion((try FileSystem.list(paths.archiveOutboxes) ?? []).filter(Names.isValidAgentName))
        return names.sorted(by: Names.precedes)
    }

    /// Reconciles the index with the files.
    ///
    /// - Returns: what the index holds afterwards.
    func scan(into db: Database) throws -> IndexCounts {
        let authors = try authors()
        let store = DocumentStore(db: db)
        try scanEntries(authors, store: store)
        try scanMemory(authors, store: store)
        for agent in authors { try store.indexTurns(of: agent, paths: paths) }
        let known = Set(authors)
        for agent in try String.fetchAll(db, sql: "SELECT DISTINCT agent FROM documents") where !known.contains(agent) {
            try store.delete(where: "agent = ?", [agent])
        }
        return try SearchIndex.counts(db)
    }

    // MARK: - Entries

    private func scanEntries(_ authors: [String], store: DocumentStore) throws {
        var missing: [(EntryID, archived: Bool)] = []
        for agent in authors {
            let live = try ids(in: paths.outbox(agent), author: agent)
            let archived = try ids(in: paths.archivedOutbox(agent), author: agent).subtracting(live)
            var indexed: [String: Bool] = [:]
            let rows = try Row.fetchCursor(
                store.db, sql: "SELECT ref, archived FROM documents WHERE source = 0 AND agent = ?", arguments: [agent])
            while let row = try rows.next() { indexed[row["ref"]] = row["archived"] }
            var flip: [String: Bool] = [:]
            for (ids, isArchived) in [(live, false), (archived, true)] {
                for id in ids {
                    switch indexed.removeValue(forKey: id.text) {
                    case nil: missing.append((id, isArchived))
                    case let flag? where flag != isArchived: flip[id.text] = isArchived
                    default: break
                    }
                }
            }
            for (ref, isArchived) in flip { try store.setArchived(agent: agent, refs: [ref], archived: isArchived) }
            // What is indexed but in no folder any more (an org reset by hand): gone.
            try store.remove(source: .entries, agent: agent, refs: Array(indexed.keys))
        }
        // Oldest first, so that among entries of one tick the row ids follow the ids.
        missing.sort { $0.0 < $1.0 }
        var start = 0
        while start < missing.count {
            let batch = Array(missing[start..<min(start + Self.batchSize, missing.count)])
            start += batch.count
            for document in read(batch) { try store.add(document) }
        }
    }

    private func ids(in folder: String, author: String) throws -> Set<EntryID> {
        var ids = Set<EntryID>()
        _ = try FileSystem.forEachName(in: folder) { name in
            if let id = EntryID(fileName: name, author: author) { ids.insert(id) }
        }
        return ids
    }

    /// Reads entries on two threads; unreadable files are skipped (the engine reports them).
    private func read(_ batch: [(EntryID, archived: Bool)]) -> [SearchDocument] {
        let results = Mutex([SearchDocument?](repeating: nil, count: batch.count))
        let paths = self.paths
        let workers = 2
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var local: [(Int, SearchDocument)] = []
            var index = worker
            while index < batch.count {
                let (id, archived) = batch[index]
                let path = archived ? paths.archivedEntry(id) : paths.entry(id)
                if let entry = EntryReader.read(path, id: id, paths: paths) {
                    local.append((index, SearchDocument(entry: entry, archived: archived)))
                }
                index += workers
            }
            results.withLock { results in
                for (index, document) in local { results[index] = document }
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    // MARK: - Memory

    private func scanMemory(_ authors: [String], store: DocumentStore) throws {
        var current: [SearchDocument] = []
        for agent in authors {
            var keys = Set<String>()
            for name in try FileSystem.list(paths.memory(agent)) ?? [] where name.hasSuffix(".json") {
                let key = String(name.dropLast(".json".count))
                guard
                    let record = MemoryReader.read(
                        paths.memory(agent, key: key), file: paths.relative(paths.memory(agent, key: key)))
                else { continue }
                keys.insert(key)
                current.append(SearchDocument(memory: record, agent: agent))
            }
            let indexed = try String.fetchAll(
                store.db, sql: "SELECT ref FROM documents WHERE source = 1 AND agent = ?", arguments: [agent])
            for key in indexed where !keys.contains(key) { try store.removeMemory(agent: agent, key: key) }
        }
        for document in current.sorted(by: { $0.tick < $1.tick }) { try store.replaceMemory(document) }
    }
}

/// Reads an entry file; `nil` when it is missing or not an entry.
enum EntryReader {
    static func read(_ path: String, id: EntryID, paths: OrgPaths) -> OutboxEntry? {
        guard let bytes = try? FileSystem.readIfPresent(path), let value = try? JSONValue.parse(bytes),
            let entry = try? OutboxEntry(json: value, file: paths.relative(path)), entry.id == id
        else { return nil }
        return entry
    }

    /// The entry in its outbox, else in the archive (it may have moved since it was announced).
    static func find(_ id: EntryID, paths: OrgPaths) -> (entry: OutboxEntry, archived: Bool)? {
        if let entry = read(paths.entry(id), id: id, paths: paths) { return (entry, false) }
        if let entry = read(paths.archivedEntry(id), id: id, paths: paths) { return (entry, true) }
        return nil
    }
}

/// Reads a memory record file; `nil` when it is missing or not a record.
enum MemoryReader {
    static func read(_ path: String, file: String) -> MemoryRecord? {
        guard let bytes = try? FileSystem.readIfPresent(path), let value = try? JSONValue.parse(bytes) else {
            return nil
        }
        return try? MemoryRecord(json: value, file: file)
    }
}

/// How far the org is: its last committed event and tick (`state/tick.json`).
struct OrgPosition: Sendable, Equatable {
    var sequence: Int
    /// The last committed tick.
    var tick: Int
    var nextTick: Int

    /// The engine rewrites `state/tick.json` in place, so a read can catch it mid-write: such a
    /// read is tried again (``FileOrgStore/readState(_:_:)``).
    ///
    /// - Throws: ``LemmingError`` when the file exists but is not a tick state.
    static func read(_ paths: OrgPaths) throws -> OrgPosition {
        guard let state = try FileOrgStore(paths: paths).readState(paths.tick, { try TickState(json: $0, file: $1) })
        else { return OrgPosition(sequence: 0, tick: 0, nextTick: 1) }
        return OrgPosition(
            sequence: state.nextEventSequence - 1, tick: state.lastCommittedTick, nextTick: state.nextTick)
    }
}
