import LemmingCore

extension SearchIndex {
    /// Results asked of ``search(_:)`` per page when listing entries.
    static let listingPage = 1_000

    /// The newest `limit` outbox entries that pass the filters of `filters` (its text, sources,
    /// order and cursor are ignored), archived ones included unless it says otherwise.
    ///
    /// What `lemming inbox` and `inspect` list: the same entries, in the same order, as reading
    /// every outbox folder and keeping the newest ids.
    ///
    /// - Returns: hits of source `entries`, oldest first in entry id order (tick, author, number).
    /// - Throws: ``LemmingError`` `.io` when the index cannot be read.
    public func latestEntries(_ filters: SearchQuery, limit: Int) throws -> [SearchHit] {
        guard limit > 0 else { return [] }
        var query = Self.entryListing(filters)
        var newest: [SearchHit] = []
        while newest.count < limit {
            query.limit = min(limit - newest.count, Self.listingPage)
            let page = try search(query)
            newest += page.hits
            guard let next = page.nextCursor else { break }
            query.cursor = next
        }
        // "Newest first" orders one tick's entries as they were committed, not by id: take the
        // whole of the oldest tick reached, then keep the newest ids.
        guard newest.count == limit, let oldest = newest.map(\.tick).min() else { return Self.byID(newest) }
        return Array(try entries(filters, fromTick: oldest).suffix(limit))
    }

    /// Every outbox entry that passes the filters of `filters` with a tick at or after `tick`.
    ///
    /// - Returns: hits of source `entries`, oldest first in entry id order.
    /// - Throws: ``LemmingError`` `.io` when the index cannot be read.
    public func entries(_ filters: SearchQuery, fromTick tick: Int) throws -> [SearchHit] {
        var query = Self.entryListing(filters)
        query.fromTick = max(query.fromTick ?? tick, tick)
        query.limit = Self.listingPage
        var hits: [SearchHit] = []
        while true {
            let page = try search(query)
            hits += page.hits
            guard let next = page.nextCursor else { break }
            query.cursor = next
        }
        return Self.byID(hits)
    }

    private static func entryListing(_ filters: SearchQuery) -> SearchQuery {
        var query = filters
        query.text = nil
        query.sources = [.entries]
        query.order = .time
        query.cursor = nil
        query.counts = false
        return query
    }

    private static func byID(_ hits: [SearchHit]) -> [SearchHit] {
        hits.sorted { left, right in
            guard let leftID = left.entryID, let rightID = right.entryID else { return left.ref < right.ref }
            return leftID < rightID
        }
    }
}
