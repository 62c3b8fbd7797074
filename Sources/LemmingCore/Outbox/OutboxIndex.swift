import Synchronization

/// The ids of every outbox entry, per author, in order, plus a window of recent entries in memory.
///
/// Listing happens once at start; afterwards the engine is the only writer and keeps the index
/// current, so a tick never lists a directory. Entry content is cached for recent ticks and read
/// from disk otherwise, so memory follows activity, not history. The ids are a value (copied with
/// the engine state into each tick's transaction, cheaply: see ``EntryIDList``); the content
/// cache is shared by all copies, since an entry's content never changes once written.
package struct OutboxIndex: Sendable {
    private var ids: [String: EntryIDList] = [:]
    /// Every author with at least one id, in code-point order.
    package private(set) var authors: [String] = []
    private let cacheBox = EntryCache()

    package init() {}

    /// Ids whose files could not be read or parsed; reported once, then skipped.
    package var unreadable: Set<EntryID> { cacheBox.unreadable }

    /// Replaces the ids of one author (from a directory listing); sorts them.
    package mutating func setIDs(_ list: [EntryID], for agent: String) {
        if ids[agent] == nil { addAuthor(agent) }
        ids[agent] = EntryIDList(author: agent, sorted: list.filter { $0.agent == agent }.sorted())
    }

    private mutating func addAuthor(_ agent: String) {
        authors.insert(agent, at: authors.partitionPoint { !Names.precedes($0, agent) })
    }

    package func ids(of agent: String) -> [EntryID] { ids[agent].map(Array.init) ?? [] }

    /// The newest id of an author.
    package func head(of agent: String) -> EntryID? { ids[agent]?.last }

    /// The ids of an author strictly after `cursor` (all of them for `nil`).
    package func ids(of agent: String, after cursor: EntryID?) -> EntryIDList.SubSequence {
        guard let list = ids[agent] else { return EntryIDList(author: agent)[...] }
        guard let cursor else { return list[...] }
        return list[list.partitionPoint { $0 > cursor }...]
    }

    /// The next free sequence number of `agent` at `tick`.
    package func nextSequence(of agent: String, tick: Int) -> Int {
        guard let last = ids[agent]?.last, last.tick == tick else { return 1 }
        return last.sequence + 1
    }

    /// Records the id of a new entry (written by the engine). Its content joins the shared cache
    /// only once it is committed (``cache(_:)``): a transaction that is dropped must leave no trace.
    package mutating func insert(_ id: EntryID) {
        if ids[id.agent] == nil { addAuthor(id.agent) }
        ids[id.agent, default: EntryIDList(author: id.agent)].insert(id)
    }

    /// Forgets ids (entries moved to the archive).
    package mutating func remove(_ removed: [EntryID]) {
        let grouped = Dictionary(grouping: removed, by: \.agent)
        for (agent, list) in grouped {
            ids[agent]?.remove(Set(list))
            cacheBox.forget(list)
        }
    }

    /// The cached entry, if it is in the window.
    package func cached(_ id: EntryID) -> OutboxEntry? { cacheBox.entry(id) }

    package func cache(_ entry: OutboxEntry) { cacheBox.store(entry) }

    package func markUnreadable(_ id: EntryID) { cacheBox.markUnreadable(id) }

    /// Drops cached entries written before `tick`.
    package func evict(before tick: Int) { cacheBox.evict(before: tick) }

    /// Entries older than `tick`, per author (candidates for the archive).
    package func ids(before tick: Int) -> [EntryID] {
        var result: [EntryID] = []
        for agent in ids.keys.sorted(by: Names.precedes) {
            guard let list = ids[agent] else { continue }
            for id in list {
                guard id.tick < tick else { break }
                result.append(id)
            }
        }
        return result
    }

    package var totalCount: Int { ids.values.reduce(0) { $0 + $1.count } }
    package var cachedCount: Int { cacheBox.count }
}

/// Recent entries by id, evicted by tick.
final class EntryCache: Sendable {
    private struct Storage {
        var entries: [EntryID: OutboxEntry] = [:]
        var idsByTick: [Int: [EntryID]] = [:]
        var unreadable: Set<EntryID> = []
    }

    private let storage = Mutex(Storage())

    var count: Int { storage.withLock { $0.entries.count } }
    var unreadable: Set<EntryID> { storage.withLock { $0.unreadable } }

    func entry(_ id: EntryID) -> OutboxEntry? { storage.withLock { $0.entries[id] } }

    func store(_ entry: OutboxEntry) {
        storage.withLock { storage in
            if storage.entries.updateValue(entry, forKey: entry.id) == nil {
                storage.idsByTick[entry.id.tick, default: []].append(entry.id)
            }
        }
    }

    func forget(_ ids: [EntryID]) {
        storage.withLock { storage in
            for id in ids { storage.entries[id] = nil }
        }
    }

    func markUnreadable(_ id: EntryID) {
        _ = storage.withLock { $0.unreadable.insert(id) }
    }

    func evict(before tick: Int) {
        storage.withLock { storage in
            for old in storage.idsByTick.keys where old < tick {
                for id in storage.idsByTick[old] ?? [] { storage.entries[id] = nil }
                storage.idsByTick[old] = nil
            }
        }
    }
}
