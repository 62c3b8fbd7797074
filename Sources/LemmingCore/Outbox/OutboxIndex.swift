/// The ids of every outbox entry, per author, in order, plus a window of recent entries in memory.
///
/// Listing happens once at start; afterwards the engine is the only writer and keeps the index
/// current, so a tick never lists a directory. Entry content is cached for recent ticks and read
/// from disk otherwise, so memory follows activity, not history.
public struct OutboxIndex: Sendable {
    private var ids: [String: [EntryID]] = [:]
    private var cache: [EntryID: OutboxEntry] = [:]
    /// Ids whose files could not be read or parsed; reported once, then skipped.
    public private(set) var unreadable: Set<EntryID> = []

    public init() {}

    /// Replaces the ids of one author (from a directory listing); sorts them.
    public mutating func setIDs(_ list: [EntryID], for agent: String) {
        ids[agent] = list.sorted()
    }

    /// Every author with at least one entry.
    public var authors: [String] { ids.keys.sorted(by: Names.precedes) }

    public func ids(of agent: String) -> [EntryID] { ids[agent] ?? [] }

    /// The newest id of an author.
    public func head(of agent: String) -> EntryID? { ids[agent]?.last }

    /// The ids of an author strictly after `cursor` (all of them for `nil`).
    public func ids(of agent: String, after cursor: EntryID?) -> ArraySlice<EntryID> {
        guard let list = ids[agent] else { return [] }
        guard let cursor else { return list[...] }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] <= cursor { low = middle + 1 } else { high = middle }
        }
        return list[low...]
    }

    /// The next free sequence number of `agent` at `tick`.
    public func nextSequence(of agent: String, tick: Int) -> Int {
        guard let last = ids[agent]?.last, last.tick == tick else { return 1 }
        return last.sequence + 1
    }

    /// Records a new entry (written by the engine) and caches it.
    public mutating func insert(_ entry: OutboxEntry) {
        let id = entry.id
        var list = ids[id.agent] ?? []
        if let last = list.last, last >= id {
            if !list.contains(id) {
                list.append(id)
                list.sort()
            }
        } else {
            list.append(id)
        }
        ids[id.agent] = list
        cache[id] = entry
    }

    /// Forgets ids (entries moved to the archive).
    public mutating func remove(_ removed: [EntryID]) {
        let grouped = Dictionary(grouping: removed, by: \.agent)
        for (agent, list) in grouped {
            let gone = Set(list)
            ids[agent]?.removeAll { gone.contains($0) }
            for id in list { cache[id] = nil }
        }
    }

    /// The cached entry, if it is in the window.
    public func cached(_ id: EntryID) -> OutboxEntry? { cache[id] }

    public mutating func cache(_ entry: OutboxEntry) { cache[entry.id] = entry }

    public mutating func markUnreadable(_ id: EntryID) { unreadable.insert(id) }

    /// Drops cached entries written before `tick`.
    public mutating func evict(before tick: Int) {
        guard cache.count > 0 else { return }
        cache = cache.filter { $0.key.tick >= tick }
    }

    /// Entries older than `tick`, per author (candidates for the archive).
    public func ids(before tick: Int) -> [EntryID] {
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

    public var totalCount: Int { ids.values.reduce(0) { $0 + $1.count } }
    public var cachedCount: Int { cache.count }
}
