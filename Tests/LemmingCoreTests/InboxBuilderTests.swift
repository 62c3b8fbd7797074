import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

private func entry(
    _ tick: Int, _ author: String, _ sequence: Int = 1, to recipients: [String]? = nil,
    priority: Priority = .normal, text: String = "m"
) -> OutboxEntry {
    OutboxEntry(
        id: EntryID(tick: tick, agent: author, sequence: sequence), kind: "message", payload: ["text": .string(text)],
        recipients: recipients, priority: priority, createdAt: "")
}

private func makeIndex(_ entries: [OutboxEntry]) -> OutboxIndex {
    var index = OutboxIndex()
    for entry in entries {
        index.insert(entry.id)
        index.cache(entry)
    }
    return index
}

private func limits(entries: Int = 20, characters: Int = 16_000) -> OrgConfig.InboxLimits {
    var limits = OrgConfig.InboxLimits()
    limits.maxEntries = entries
    limits.maxCharacters = characters
    return limits
}

private func build(
    _ reader: String = "r", sources: [String], cursors: [String: ReadCursor] = [:], index: OutboxIndex,
    limits: OrgConfig.InboxLimits = limits(), unreadable: Set<EntryID> = []
) -> Inbox {
    InboxBuilder(limits: limits).build(reader: reader, sources: sources, cursors: cursors, index: index) { id in
        unreadable.contains(id) ? nil : index.cached(id)
    }
}

private func texts(_ inbox: Inbox) -> [String] { inbox.entries.map(\.id.text) }

@Test func showsNewEntriesAddressedToTheReaderFromItsSources() {
    let index = makeIndex([
        entry(1, "a", 1), entry(1, "a", 2, to: ["r"]), entry(1, "a", 3, to: ["x"]), entry(1, "a", 4, to: []),
        entry(1, "a", 5, to: ["x", "r"]), entry(2, "hidden", 1), entry(2, "b", 1, to: ["r"]),
    ])
    let inbox = build(sources: ["a", "b"], index: index)
    #expect(texts(inbox) == ["00000001-a-01", "00000001-a-02", "00000001-a-05", "00000002-b-01"])
    #expect(inbox.waiting == 0)
    #expect(inbox.unreadable.isEmpty)
    #expect(inbox.truncated.isEmpty)
    #expect(inbox.cursors["a"] == ReadCursor(after: EntryID(tick: 1, agent: "a", sequence: 5)))
    #expect(inbox.cursors["b"] == ReadCursor(after: EntryID(tick: 2, agent: "b", sequence: 1)))
    #expect(inbox.cursors["hidden"] == nil)
}

@Test func urgentEntriesComeFirstThenTickAndID() {
    let index = makeIndex([
        entry(1, "b", 1), entry(3, "a", 1, priority: .urgent), entry(1, "a", 1, priority: .low), entry(2, "a", 1),
        entry(2, "b", 1, priority: .urgent), entry(1, "a", 2),
    ])
    let inbox = build(sources: ["b", "a"], index: index)
    #expect(
        texts(inbox) == [
            "00000002-b-01", "00000003-a-01", "00000001-a-02", "00000001-b-01", "00000002-a-01", "00000001-a-01",
        ])
    #expect(build(sources: ["a", "b"], index: index) == inbox)
}

@Test func nothingNewGivesAnEmptyInboxAndNoCursorChange() {
    let index = makeIndex([entry(1, "a", 1), entry(2, "a", 1)])
    let cursors = ["a": ReadCursor(after: EntryID(tick: 2, agent: "a", sequence: 1))]
    let inbox = build(sources: ["a", "b"], cursors: cursors, index: index)
    #expect(inbox.isEmpty)
    #expect(inbox.cursors.isEmpty)
    #expect(inbox.waiting == 0)
}

@Test func cursorMovesOverEntriesNotAddressedToTheReader() {
    let index = makeIndex([entry(1, "a", 1, to: ["x"]), entry(1, "a", 2, to: ["x"]), entry(1, "a", 3, to: ["y"])])
    let inbox = build(sources: ["a"], index: index)
    #expect(inbox.isEmpty)
    #expect(inbox.cursors["a"] == ReadCursor(after: EntryID(tick: 1, agent: "a", sequence: 3)))
}

@Test func entriesBeyondTheEntryLimitWaitAndAreShownNextTurnInOrder() {
    let index = makeIndex((1...5).map { entry($0, "a") })
    let first = build(sources: ["a"], index: index, limits: limits(entries: 2))
    #expect(texts(first) == ["00000001-a-01", "00000002-a-01"])
    #expect(first.waiting == 3)
    #expect(first.cursors["a"] == ReadCursor(after: EntryID(tick: 2, agent: "a", sequence: 1)))
    let second = build(sources: ["a"], cursors: first.cursors, index: index, limits: limits(entries: 2))
    #expect(texts(second) == ["00000003-a-01", "00000004-a-01"])
    #expect(second.waiting == 1)
    let third = build(sources: ["a"], cursors: second.cursors, index: index, limits: limits(entries: 2))
    #expect(texts(third) == ["00000005-a-01"])
    #expect(third.waiting == 0)
    #expect(third.cursors["a"] == ReadCursor(after: EntryID(tick: 5, agent: "a", sequence: 1)))
}

@Test func entriesBeyondTheCharacterLimitWait() {
    // Each entry counts its text plus 80 characters.
    let index = makeIndex((1...3).map { entry($0, "a", text: String(repeating: "x", count: 100)) })
    let inbox = build(sources: ["a"], index: index, limits: limits(characters: 360))
    #expect(texts(inbox) == ["00000001-a-01", "00000002-a-01"])
    #expect(inbox.waiting == 1)
    #expect(inbox.truncated.isEmpty)
    let tight = build(sources: ["a"], index: index, limits: limits(characters: 359))
    #expect(texts(tight) == ["00000001-a-01"])
    #expect(tight.waiting == 2)
}

@Test func cursorStopsBeforeTheFirstWaitingEntryButPassesUnaddressedOnes() {
    let index = makeIndex([entry(1, "a", 1, to: ["r"]), entry(1, "a", 2, to: ["x"]), entry(1, "a", 3, to: ["r"])])
    let inbox = build(sources: ["a"], index: index, limits: limits(entries: 1))
    #expect(texts(inbox) == ["00000001-a-01"])
    #expect(inbox.cursors["a"] == ReadCursor(after: EntryID(tick: 1, agent: "a", sequence: 2)))
    let next = build(sources: ["a"], cursors: inbox.cursors, index: index, limits: limits(entries: 1))
    #expect(texts(next) == ["00000001-a-03"])
}

@Test func urgentEntryShownOutOfOrderIsSeenAndNotShownAgain() {
    let index = makeIndex([entry(1, "a", 1), entry(1, "a", 2), entry(1, "a", 3, priority: .urgent)])
    let urgent = EntryID(tick: 1, agent: "a", sequence: 3)
    let first = build(sources: ["a"], index: index, limits: limits(entries: 1))
    #expect(texts(first) == ["00000001-a-03"])
    #expect(first.cursors["a"] == ReadCursor(after: nil, seen: [urgent]))
    let second = build(sources: ["a"], cursors: first.cursors, index: index, limits: limits(entries: 1))
    #expect(texts(second) == ["00000001-a-01"])
    #expect(second.cursors["a"] == ReadCursor(after: EntryID(tick: 1, agent: "a", sequence: 1), seen: [urgent]))
    let third = build(sources: ["a"], cursors: second.cursors, index: index, limits: limits(entries: 1))
    #expect(texts(third) == ["00000001-a-02"])
    #expect(third.cursors["a"] == ReadCursor(after: urgent))
    let fourth = build(sources: ["a"], cursors: third.cursors, index: index, limits: limits(entries: 1))
    #expect(fourth.isEmpty)
}

@Test func singleOversizedEntryIsShownTruncatedInsteadOfBlocking() throws {
    let big = String(repeating: "b", count: 2_000)
    let index = makeIndex([entry(1, "a", 1, text: big), entry(2, "a", 1, text: "small")])
    let inbox = build(sources: ["a"], index: index, limits: limits(characters: 500))
    let shown = try #require(inbox.entries.first)
    #expect(inbox.entries.count == 1)
    #expect(shown.id == EntryID(tick: 1, agent: "a", sequence: 1))
    #expect(shown.text == String(repeating: "b", count: 300))
    #expect(inbox.truncated == [shown.id])
    #expect(inbox.waiting == 1)
    #expect(inbox.cursors["a"] == ReadCursor(after: shown.id))
    let next = build(sources: ["a"], cursors: inbox.cursors, index: index, limits: limits(characters: 500))
    #expect(texts(next) == ["00000002-a-01"])
    #expect(next.truncated.isEmpty)
}

@Test func truncatedTextKeepsAtLeastOneHundredCharacters() {
    let index = makeIndex([entry(1, "a", 1, text: String(repeating: "c", count: 1_000))])
    let inbox = build(sources: ["a"], index: index, limits: limits(characters: 150))
    #expect(inbox.entries.first?.text.count == 100)
}

@Test func unreadableEntriesAreReportedAndPassedOver() {
    let index = makeIndex([entry(1, "a", 1), entry(1, "a", 2), entry(1, "a", 3)])
    let broken = EntryID(tick: 1, agent: "a", sequence: 2)
    let inbox = build(sources: ["a"], index: index, unreadable: [broken])
    #expect(texts(inbox) == ["00000001-a-01", "00000001-a-03"])
    #expect(inbox.unreadable == [broken])
    #expect(inbox.cursors["a"] == ReadCursor(after: EntryID(tick: 1, agent: "a", sequence: 3)))
}

@Test func cursorNeverSkipsAnUnshownAddressedEntry() {
    var generator = SeededGenerator(seed: 31)
    for round in 0..<40 {
        let authors = ["a", "b", "human"]
        var entries: [OutboxEntry] = []
        for tick in 1...12 {
            for author in authors where Bool.random(using: &generator) {
                for sequence in 1...Int.random(in: 1...3, using: &generator) {
                    let recipients: [String]? =
                        [nil, ["r"], ["x"], ["r", "x"]].randomElement(using: &generator) ?? nil
                    let priority = Priority.allCases.randomElement(using: &generator) ?? .normal
                    let length = Int.random(in: 0...150, using: &generator)
                    entries.append(
                        entry(
                            tick, author, sequence, to: recipients, priority: priority,
                            text: String(repeating: "t", count: length)))
                }
            }
        }
        let index = makeIndex(entries)
        let turnLimits = limits(
            entries: Int.random(in: 1...4, using: &generator), characters: Int.random(in: 100...600, using: &generator))
        let addressed = Set(entries.filter { $0.isAddressed(to: "r") }.map(\.id))
        var cursors: [String: ReadCursor] = [:]
        var shown: [EntryID] = []
        var turns = 0
        while turns < 500 {
            turns += 1
            let inbox = build(sources: authors, cursors: cursors, index: index, limits: turnLimits)
            if inbox.isEmpty { break }
            shown += inbox.entries.map(\.id)
            for (source, cursor) in inbox.cursors {
                // Everything up to the cursor is shown (now or before) or not addressed to the reader.
                for id in index.ids(of: source) where cursor.after.map({ id <= $0 }) ?? false {
                    #expect(!addressed.contains(id) || shown.contains(id), "round \(round): skipped \(id)")
                }
                cursors[source] = cursor
            }
        }
        #expect(shown.count == Set(shown).count, "round \(round): an entry was shown twice")
        #expect(Set(shown) == addressed, "round \(round): not every addressed entry was shown")
    }
}

@Test func cursorJSONRoundTrips() throws {
    let cursor = ReadCursor(
        after: EntryID(tick: 3, agent: "a", sequence: 1), seen: [EntryID(tick: 4, agent: "a", sequence: 2)])
    #expect(cursor.json.compactText == #"{"after":"00000003-a-01","seen":["00000004-a-02"]}"#)
    #expect(ReadCursor(json: cursor.json) == cursor)
    #expect(ReadCursor().json.compactText == #"{"after":null}"#)
    #expect(ReadCursor(json: ReadCursor().json) == ReadCursor())
}
