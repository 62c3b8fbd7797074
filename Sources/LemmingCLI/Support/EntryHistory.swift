import LemmingCore
import LemmingOrgView
import LemmingSearch

/// An outbox entry as a listing shows it, with where it is now.
struct ListedEntry {
    var entry: OutboxEntry
    var isArchived: Bool
}

/// The org's entries for `inbox` and `inspect`: from the search index, the archive included; when
/// the index cannot be used (a read-only org, a damaged disk), from the outbox folders, as before
/// the index, with a one-line warning on standard error. A command never fails because of it.
struct EntryHistory {
    let view: OrgView
    /// `nil` once it failed: the folders are listed from then on.
    private(set) var index: SearchIndex?

    init(view: OrgView) {
        self.view = view
        do {
            index = try SearchIndexAccess.open(view.paths)
        } catch {
            index = nil
            Self.warn(error)
        }
    }

    /// The newest `limit` entries by the authors in `filters.agents` and to `filters.recipient`
    /// (the only filters the folders can answer), oldest first.
    mutating func latest(_ filters: SearchQuery, limit: Int) throws -> [ListedEntry] {
        if let index {
            do {
                return try index.latestEntries(filters, limit: limit).compactMap(read)
            } catch {
                fail(error)
            }
        }
        return view.latestEntries(among: try folderIDs(filters), limit: limit, matching: Self.predicate(filters))
            .map { ListedEntry(entry: $0, isArchived: false) }
    }

    /// What counts as seen before listing: the newest matching entries there are.
    mutating func seenNow(_ filters: SearchQuery) throws -> SeenEntries {
        var seen = SeenEntries()
        if let index {
            do {
                if let newest = try index.latestEntries(filters, limit: 1).first {
                    seen.insert(contentsOf: try index.entries(filters, fromTick: newest.tick).compactMap(\.entryID))
                }
                return seen
            } catch {
                fail(error)
            }
        }
        seen.insert(contentsOf: try view.allEntryIDs())
        return seen
    }

    /// The entries committed since `seen` that pass `filters`, oldest first; `seen` takes them in.
    mutating func new(_ filters: SearchQuery, after seen: inout SeenEntries) throws -> [ListedEntry] {
        if let index {
            do {
                if try index.catchUp() == .rebuilt { seen.reset() }
                let fresh = try index.entries(filters, fromTick: seen.tick).filter {
                    $0.entryID.map(seen.isNew) ?? false
                }
                seen.insert(contentsOf: fresh.compactMap(\.entryID))
                return fresh.compactMap(read)
            } catch {
                fail(error)
            }
        }
        let fresh = try folderIDs(filters).filter(seen.isNew)
        seen.insert(contentsOf: fresh)
        let matching = Self.predicate(filters)
        return fresh.compactMap { id in
            guard case .success(let entry) = view.entry(id), matching(entry) else { return nil }
            return ListedEntry(entry: entry, isArchived: false)
        }
    }

    /// The entry a hit names, from its outbox or the archive.
    private func read(_ hit: SearchHit) -> ListedEntry? {
        guard let id = hit.entryID, let found = SearchIndex.entry(id, paths: view.paths) else { return nil }
        return ListedEntry(entry: found.entry, isArchived: found.archived)
    }

    private mutating func fail(_ error: any Error) {
        index = nil
        Self.warn(error)
    }

    private static func warn(_ error: any Error) {
        Terminal.printError(
            "warning: the search index cannot be used (\(LemmingMain.plainMessage(for: error))); "
                + "listing the outbox folders instead, without the archive")
    }

    private func folderIDs(_ filters: SearchQuery) throws -> [EntryID] {
        if let agents = filters.agents, agents.count == 1, let agent = agents.first {
            return try view.entryIDs(of: agent)
        }
        return try view.allEntryIDs()
    }

    private static func predicate(_ filters: SearchQuery) -> (OutboxEntry) -> Bool {
        { entry in
            (filters.agents?.contains(entry.author) ?? true)
                && (filters.recipient.map { entry.recipients?.contains($0) ?? false } ?? true)
        }
    }
}
