import LemmingCore

/// Which outbox entries a follower has seen (`lemming inbox --follow`): every entry below
/// ``tick``, and the ids remembered at ``tick`` or after.
///
/// Small whatever the org's size: it relies on entry ticks never going down in commit order (an
/// entry's tick is the tick being committed, DESIGN §4.2), so only the newest tick's ids are kept.
/// After an org reset, ``reset()`` starts over.
public struct SeenEntries: Sendable, Equatable {
    /// Every entry below this tick counts as seen.
    public private(set) var tick = 0
    private var ids = Set<EntryID>()

    public init() {}

    /// Whether `id` was not seen.
    public func isNew(_ id: EntryID) -> Bool {
        id.tick >= tick && !ids.contains(id)
    }

    /// Counts `ids` as seen (and everything below the newest tick among them).
    public mutating func insert(contentsOf newIDs: some Sequence<EntryID>) {
        let newIDs = Array(newIDs)
        guard let newest = newIDs.map(\.tick).max() else { return }
        if newest > tick {
            tick = newest
            ids = ids.filter { $0.tick >= newest }
        }
        for id in newIDs where id.tick >= tick { ids.insert(id) }
    }

    /// Forgets everything (the org was reset: ticks start over).
    public mutating func reset() {
        tick = 0
        ids = []
    }
}
