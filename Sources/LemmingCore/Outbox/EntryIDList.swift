/// One author's entry ids, oldest first.
///
/// The engine state is copied into each tick's transaction, so the first append to a list in a
/// tick copies what the list shares with the state. The ids are therefore kept as plain (tick,
/// sequence) pairs in chunks of ``chunkSize``: a copy costs one reference per chunk, an append at
/// most a copy of the last chunk — not the author's whole history.
package struct EntryIDList: RandomAccessCollection, Sendable {
    private struct Key: Sendable {
        var tick: Int
        var sequence: Int
    }

    static let chunkSize = 256

    package let author: String
    private var chunks: [[Key]] = []
    package private(set) var endIndex = 0
    package var startIndex: Int { 0 }

    package init(author: String) {
        self.author = author
    }

    /// A list of `ids`, which must be `author`'s and in order.
    package init(author: String, sorted ids: some Sequence<EntryID>) {
        self.author = author
        for id in ids { append(id) }
    }

    package subscript(position: Int) -> EntryID {
        let key = chunks[position / Self.chunkSize][position % Self.chunkSize]
        return EntryID(tick: key.tick, agent: author, sequence: key.sequence)
    }

    /// Appends an id newer than every id of the list.
    package mutating func append(_ id: EntryID) {
        let key = Key(tick: id.tick, sequence: id.sequence)
        if endIndex % Self.chunkSize == 0 {
            // Grown as needed, not reserved whole: 10,000 authors of one entry each would hold 40 MB.
            chunks.append([key])
        } else {
            chunks[chunks.count - 1].append(key)
        }
        endIndex += 1
    }

    /// Adds `id` in order unless it is there; ids usually come newest, at the end.
    package mutating func insert(_ id: EntryID) {
        guard let last, last >= id else { return append(id) }
        let position = partitionPoint { $0 >= id }
        guard position == endIndex || self[position] != id else { return }
        var all = Array(self)
        all.insert(id, at: position)
        self = EntryIDList(author: author, sorted: all)
    }

    /// Removes the ids in `gone`.
    package mutating func remove(_ gone: Set<EntryID>) {
        guard contains(where: gone.contains) else { return }
        self = EntryIDList(author: author, sorted: filter { !gone.contains($0) })
    }
}
