import LemmingJSON

/// What one turn is shown: new entries addressed to the agent, and where its cursors move if the
/// turn commits (DESIGN §5.3).
public struct Inbox: Sendable, Equatable {
    /// The entries shown, urgent first, then by (tick, id).
    public var entries: [OutboxEntry]
    /// Entries whose text was cut to fit the character limit.
    public var truncated: Set<EntryID>
    /// Cursor positions after this turn, per source read.
    public var cursors: [String: ReadCursor]
    /// New entries that did not fit and wait for a later turn.
    public var waiting: Int
    /// Ids that could not be read (reported, then passed over).
    public var unreadable: [EntryID]

    /// Whether nothing is shown.
    public var isEmpty: Bool { entries.isEmpty }

    /// Nothing shown, no cursor moves.
    public static let empty = Inbox(entries: [], truncated: [], cursors: [:], waiting: 0, unreadable: [])
}

/// Builds inboxes from the outbox index and the read cursors.
public struct InboxBuilder: Sendable {
    /// The caps on what one turn is shown (`inbox` of `lemming.json`).
    public var limits: OrgConfig.InboxLimits

    /// A builder enforcing `limits`.
    public init(limits: OrgConfig.InboxLimits) {
        self.limits = limits
    }

    /// The characters an entry counts for against the limit.
    static func size(of entry: OutboxEntry) -> Int { entry.text.count + 80 }

    /// Builds the inbox of `reader`.
    ///
    /// - Parameters:
    ///   - sources: the authors the reader may read, in any order.
    ///   - cursors: the reader's cursors, per source.
    ///   - index: the outbox index (read only).
    ///   - entry: looks an entry up; `nil` when its file cannot be read.
    package func build(
        reader: String,
        sources: [String],
        cursors: [String: ReadCursor],
        index: OutboxIndex,
        entry: (EntryID) -> OutboxEntry?
    ) -> Inbox {
        var candidates: [OutboxEntry] = []
        var unreadable: [EntryID] = []
        var heads: [String: EntryID] = [:]
        for source in sources {
            let cursor = cursors[source] ?? ReadCursor()
            let newIDs = index.ids(of: source, after: cursor.after)
            guard let head = newIDs.last else { continue }
            heads[source] = head
            for id in newIDs where cursor.isUnread(id) {
                guard let found = entry(id) else {
                    unreadable.append(id)
                    continue
                }
                if found.isAddressed(to: reader) { candidates.append(found) }
            }
        }
        candidates.sort { lhs, rhs in
            if lhs.priority.rank != rhs.priority.rank { return lhs.priority.rank < rhs.priority.rank }
            return lhs.id < rhs.id
        }
        var shown: [OutboxEntry] = []
        var truncated: Set<EntryID> = []
        var characters = 0
        for candidate in candidates {
            guard shown.count < limits.maxEntries else { break }
            let size = Self.size(of: candidate)
            if characters + size > limits.maxCharacters {
                guard shown.isEmpty else { break }
                // A single entry larger than the whole budget is shown cut, never left blocking.
                var cut = candidate
                cut.payload["text"] = .string(String(candidate.text.prefix(max(limits.maxCharacters - 200, 100))))
                truncated.insert(candidate.id)
                shown.append(cut)
                characters = limits.maxCharacters
                continue
            }
            characters += size
            shown.append(candidate)
        }
        let shownIDs = Set(shown.map(\.id))
        let firstWaiting = Dictionary(grouping: candidates.filter { !shownIDs.contains($0.id) }, by: \.author)
            .mapValues { $0.map(\.id).min() }
        var newCursors: [String: ReadCursor] = [:]
        for (source, head) in heads {
            let old = cursors[source] ?? ReadCursor()
            var cursor = ReadCursor()
            if let waiting = firstWaiting[source] ?? nil {
                // Everything before the first entry still waiting is read (shown or not addressed).
                let before = index.ids(of: source, after: old.after).last { $0 < waiting }
                cursor.after = before ?? old.after
                let seen = old.seen + shown.filter { $0.author == source }.map(\.id)
                cursor.seen = Array(Set(seen.filter { id in cursor.after.map { id > $0 } ?? true })).sorted()
            } else {
                cursor.after = head
            }
            if cursor != old { newCursors[source] = cursor }
        }
        let waiting = candidates.count - shown.count
        return Inbox(
            entries: shown, truncated: truncated, cursors: newCursors, waiting: waiting, unreadable: unreadable)
    }
}
