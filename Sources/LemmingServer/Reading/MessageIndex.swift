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

    /// The ids of every author (or of `only` those), refreshed from the folders that changed.
    func ids(of only: Set<String>? = nil) throws -> [String: [EntryID]] {
        let agentsInfo = FileSystem.info(paths.agents)
        let (listedInfo, current) = state.withLock { ($0.agentsFolder, $0.outboxes) }
        let listing = agentsInfo == listedInfo
        var authors =
            listing ? Array(current.keys) : ((try FileSystem.list(paths.agents)) ?? []).filter(Names.isValidAgentName)
        if let only { authors = authors.filter(only.contains) }
        var fresh: [String: Outbox] = [:]
        for author in authors {
            let info = FileSystem.info(paths.outbox(author))
            guard current[author] == nil || current[author]?.folder != info else { continue }
            fresh[author] = Outbox(folder: info, ids: try OrgView.entryIDs(of: author, paths: paths))
        }
        return state.withLock { state in
            for (author, outbox) in fresh { state.outboxes[author] = outbox }
            // Forget authors whose folders are gone, once the whole list was read.
            if !listing, only == nil {
                state.agentsFolder = agentsInfo
                let keep = Set(authors)
                for author in state.outboxes.keys where !keep.contains(author) { state.outboxes[author] = nil }
            }
            let known = state.outboxes.filter { only?.contains($0.key) ?? true }
            return known.mapValues(\.ids)
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
        let all = try ids(of: filter.authors)
        // Per author, the ids in range, as slices scanned from the end.
        var lists: [ArraySlice<EntryID>] = []
        for (author, ids) in all {
            if let authors = filter.authors, !authors.contains(author) { continue }
            var slice = ids[...]
            if let toTick = filter.toTick { slice = slice[..<slice.partitionPoint { $0.tick > toTick }] }
            if let cursor { slice = slice[..<slice.partitionPoint { $0 >= cursor }] }
            if let fromTick = filter.fromTick { slice = slice[slice.partitionPoint { $0.tick >= fromTick }...] }
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
}
