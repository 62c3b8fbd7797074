import LemmingCore
import Synchronization

/// The outbox entries of every author, for the message browser and the outbox pages.
///
/// Ids come from the outbox folders, re-listed only when a folder's modification time changed;
/// entries are read on demand and kept in a bounded cache (an entry never changes once written).
/// Filters on content (kind, recipient, thread) read entries newest first and stop after
/// ``scanLimit`` entries, handing back a cursor to go on from.
final class MessageIndex: Sendable {
    /// What to look for.
    struct Filter: Sendable {
        var authors: Set<String>?
        var kinds: Set<String>?
        /// Entries whose `recipients` name this agent.
        var recipient: String?
        var thread: String?
        var fromTick: Int?
        var toTick: Int?

        var needsContent: Bool { kinds != nil || recipient != nil || thread != nil }

        func matches(_ entry: OutboxEntry) -> Bool {
            if let kinds, !kinds.contains(entry.kind) { return false }
            if let recipient, entry.recipients?.contains(recipient) != true { return false }
            if let thread, entry.thread != thread { return false }
            return true
        }
    }

    /// One page, newest first.
    struct Page: Sendable {
        var entries: [OutboxEntry]
        /// Where the next page starts (`before=`), `nil` at the end.
        var nextCursor: EntryID?
        /// The scan stopped at ``MessageIndex/scanLimit`` before the page was full.
        var scanLimited: Bool
    }

    private struct Outbox {
        var folder: FileInfo?
        var ids: [EntryID]
    }

    private struct State {
        var agentsFolder: FileInfo?
        var outboxes: [String: Outbox] = [:]
        var cache: [EntryID: OutboxEntry] = [:]
        var cacheOrder: [EntryID] = []
        var cacheStart = 0
    }

    let paths: OrgPaths
    let cacheCapacity: Int
    let scanLimit: Int
    private let state = Mutex(State())

    init(paths: OrgPaths, cacheCapacity: Int = 20_000, scanLimit: Int = 20_000) {
        self.paths = paths
        self.cacheCapacity = cacheCapacity
        self.scanLimit = scanLimit
    }

    /// The ids of every author, refreshed from the folders that changed.
    func ids() throws -> [String: [EntryID]] {
        let agentsInfo = FileSystem.info(paths.agents)
        var known = state.withLock { state in (state.agentsFolder, Array(state.outboxes.keys)) }
        var authors = known.1
        if agentsInfo != known.0 {
            authors = ((try FileSystem.list(paths.agents)) ?? []).filter(Names.isValidAgentName)
            known.0 = agentsInfo
        }
        var stale: [(String, FileInfo?)] = []
        let current = state.withLock { $0.outboxes }
        for author in authors {
            let info = FileSystem.info(paths.outbox(author))
            if current[author]?.folder != info || current[author] == nil { stale.append((author, info)) }
        }
        var fresh: [String: Outbox] = [:]
        for (author, info) in stale {
            let names = (try FileSystem.list(paths.outbox(author))) ?? []
            let ids = names.compactMap { name -> EntryID? in
                guard name.hasSuffix(".json"), !name.hasPrefix("."), let id = EntryID(name.dropLast(5)),
                    id.agent == author
                else { return nil }
                return id
            }.sorted()
            fresh[author] = Outbox(folder: info, ids: ids)
        }
        return state.withLock { state in
            state.agentsFolder = known.0
            for (author, outbox) in fresh { state.outboxes[author] = outbox }
            let keep = Set(authors)
            for author in state.outboxes.keys where !keep.contains(author) { state.outboxes[author] = nil }
            return state.outboxes.mapValues(\.ids)
        }
    }

    /// Reads an entry (from the cache when it was read before); `nil` when it is gone or unreadable.
    func entry(_ id: EntryID) -> OutboxEntry? {
        if let cached = state.withLock({ $0.cache[id] }) { return cached }
        guard case .success(let entry) = FileOrgStore(paths: paths).readEntry(id) else { return nil }
        state.withLock { state in
            guard state.cache[id] == nil else { return }
            state.cache[id] = entry
            state.cacheOrder.append(id)
            if state.cacheOrder.count - state.cacheStart > cacheCapacity {
                state.cache[state.cacheOrder[state.cacheStart]] = nil
                state.cacheStart += 1
                if state.cacheStart > cacheCapacity {
                    state.cacheOrder.removeFirst(state.cacheStart)
                    state.cacheStart = 0
                }
            }
        }
        return entry
    }

    /// A page of entries, newest first, strictly before `cursor`.
    func page(_ filter: Filter, before cursor: EntryID?, limit: Int) throws -> Page {
        let all = try ids()
        // Per author, the ids in range, as slices scanned from the end.
        var lists: [ArraySlice<EntryID>] = []
        for (author, ids) in all {
            if let authors = filter.authors, !authors.contains(author) { continue }
            var slice = ids[...]
            if let toTick = filter.toTick { slice = slice[..<upperBound(slice, tick: toTick)] }
            if let cursor { slice = slice[..<lowerBound(slice, id: cursor)] }
            if let fromTick = filter.fromTick { slice = slice[lowerBound(slice, tick: fromTick)...] }
            if !slice.isEmpty { lists.append(slice) }
        }
        var entries: [OutboxEntry] = []
        var scanned = 0
        var last: EntryID?
        while entries.count < limit {
            // The newest remaining id among the authors.
            var best = -1
            var newest: EntryID?
            for index in lists.indices {
                guard let candidate = lists[index].last else { continue }
                if let current = newest, candidate <= current { continue }
                best = index
                newest = candidate
            }
            guard best >= 0, let id = lists[best].popLast() else {
                return Page(entries: entries, nextCursor: nil, scanLimited: false)
            }
            last = id
            scanned += 1
            if let entry = entry(id), filter.matches(entry) { entries.append(entry) }
            if filter.needsContent, scanned >= scanLimit, entries.count < limit {
                return Page(entries: entries, nextCursor: id, scanLimited: true)
            }
        }
        let more = lists.contains { !$0.isEmpty }
        return Page(entries: entries, nextCursor: more ? last : nil, scanLimited: false)
    }

    /// The first position in `ids` whose id is not before `id`.
    private func lowerBound(_ ids: ArraySlice<EntryID>, id: EntryID) -> Int {
        var low = ids.startIndex
        var high = ids.endIndex
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first position whose tick is at least `tick`.
    private func lowerBound(_ ids: ArraySlice<EntryID>, tick: Int) -> Int {
        var low = ids.startIndex
        var high = ids.endIndex
        while low < high {
            let middle = (low + high) / 2
            if ids[middle].tick < tick { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first position whose tick is after `tick`.
    private func upperBound(_ ids: ArraySlice<EntryID>, tick: Int) -> Int {
        var low = ids.startIndex
        var high = ids.endIndex
        while low < high {
            let middle = (low + high) / 2
            if ids[middle].tick <= tick { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
