import LemmingCore
import LemmingJSON
import LemmingOrgView
import Synchronization

/// The outbox entries of every author, for the message browser and the outbox pages.
///
/// Ids come from listing the outbox folders and from the engine's `entry_written` events, which
/// the event hub announces as it takes them. While the hub follows the engine log, a folder whose
/// modification time changed is not listed again (every tick changes every folder, and listing
/// costs time in proportion to the history): the announced ids are what changed. It is listed
/// again when it was last listed more than ``relistInterval`` ago, after entries were archived,
/// and whenever no hub follows the log — so an entry that no event announced (a file copied in by
/// hand, events lost to a crash) shows up within that interval.
///
/// Entries are read on demand and kept in a bounded cache (an entry never changes once written);
/// an announced entry whose file is not written yet is skipped until it is. Filters on content
/// (kind, recipient, thread, priority) read entries newest first and stop after ``scanLimit`` entries,
/// handing back a cursor to go on from.
final class MessageIndex: Sendable {
    /// What to look for.
    struct Filter: Sendable {
        var authors: Set<String>?
        var kinds: Set<String>?
        /// Entries whose `recipients` name this agent.
        var recipient: String?
        var thread: String?
        var priorities: Set<Priority>?
        var fromTick: Int?
        var toTick: Int?

        var needsContent: Bool { kinds != nil || recipient != nil || thread != nil || priorities != nil }

        func matches(_ entry: OutboxEntry) -> Bool {
            if let kinds, !kinds.contains(entry.kind) { return false }
            if let priorities, !priorities.contains(entry.priority) { return false }
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
        var ids: EntryIDList
        /// When the folder was last listed; `nil` when it never was (or must be again).
        var listedAt: ContinuousClock.Instant?
    }

    private struct State {
        var agentsFolder: FileInfo?
        var outboxes: [String: Outbox] = [:]
        /// Whether an event hub follows the engine log and announces new entries.
        var isFollowed = false
        var cache: [EntryID: OutboxEntry] = [:]
        var cacheOrder: [EntryID] = []
        var cacheStart = 0
    }

    let paths: OrgPaths
    let cacheCapacity: Int
    let scanLimit: Int
    /// How long a listing is trusted, with announcements, before a changed folder is listed again.
    let relistInterval: Duration
    private let clock = ContinuousClock()
    private let state = Mutex(State())

    init(
        paths: OrgPaths, cacheCapacity: Int = 20_000, scanLimit: Int = 20_000, relistInterval: Duration = .seconds(30)
    ) {
        self.paths = paths
        self.cacheCapacity = cacheCapacity
        self.scanLimit = scanLimit
        self.relistInterval = relistInterval
    }

    // MARK: - Announcements

    /// Whether the engine's events reach ``announce(_:)`` (the hub runs and follows the log).
    var isFollowed: Bool {
        get { state.withLock { $0.isFollowed } }
        set { state.withLock { $0.isFollowed = newValue } }
    }

    /// Takes note of an engine event: a written entry joins its author's ids; archived entries
    /// make every folder be listed again at the next look.
    func announce(_ event: EngineEvent) {
        switch event.kind {
        case .entryWritten:
            guard let author = event.agent, let text = event.data["id"]?.stringValue, let id = EntryID(text),
                id.agent == author
            else { return }
            state.withLock { state in
                state.outboxes[author, default: Outbox(folder: nil, ids: EntryIDList(author: author), listedAt: nil)]
                    .ids.insert(id)
            }
        case .entriesArchived:
            state.withLock { state in
                for author in state.outboxes.keys { state.outboxes[author]?.listedAt = nil }
            }
        default:
            return
        }
    }

    // MARK: - Reading

    /// The ids of every author (or of `only` those), refreshed from the folders that changed.
    func ids(of only: Set<String>? = nil) throws -> [String: EntryIDList] {
        let now = clock.now
        let agentsInfo = FileSystem.info(paths.agents)
        let (listedInfo, current, isFollowed) = state.withLock { ($0.agentsFolder, $0.outboxes, $0.isFollowed) }
        let listing = agentsInfo == listedInfo
        var authors =
            listing ? Array(current.keys) : ((try FileSystem.list(paths.agents)) ?? []).filter(Names.isValidAgentName)
        if let only { authors = authors.filter(only.contains) }
        var listed: [String: (FileInfo?, [EntryID])] = [:]
        for author in authors {
            let info = FileSystem.info(paths.outbox(author))
            guard let known = current[author] else {
                listed[author] = (info, try OrgView.entryIDs(of: author, paths: paths))
                continue
            }
            // Unchanged since the last listing, or changed by entries the hub announces. (The
            // folder's stat stays the one of the listing, so the interval is measured from there.)
            guard known.folder != info else { continue }
            if isFollowed, let listedAt = known.listedAt, now - listedAt < relistInterval { continue }
            listed[author] = (info, try OrgView.entryIDs(of: author, paths: paths))
        }
        return state.withLock { state in
            for (author, (info, ids)) in listed {
                let announced = state.outboxes[author]?.ids ?? EntryIDList(author: author)
                let merged = Self.merge(listed: ids, announced: announced)
                state.outboxes[author] = Outbox(folder: info, ids: merged, listedAt: now)
            }
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

    /// A fresh listing (in order), with the announced ids of its newest tick and later kept:
    /// entries whose files were still being written while the folder was read.
    static func merge(listed: [EntryID], announced: EntryIDList) -> EntryIDList {
        var merged = EntryIDList(author: announced.author, sorted: listed)
        let newestTick = listed.last?.tick ?? Int.min
        for id in announced[announced.partitionPoint { $0.tick >= newestTick }...] { merged.insert(id) }
        return merged
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
        var lists: [EntryIDList.SubSequence] = []
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
