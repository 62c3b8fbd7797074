import LemmingTesting
import Testing

@testable import LemmingCore

@Suite struct EntryIDListTests {
    static func ids(_ count: Int, author: String = "coder") -> [EntryID] {
        (0..<count).map { EntryID(tick: 1 + $0 / 3, agent: author, sequence: 1 + $0 % 3) }
    }

    @Test func holdsIDsInOrderAcrossChunks() {
        let count = EntryIDList.chunkSize * 2 + 17
        let list = EntryIDList(author: "coder", sorted: Self.ids(count))
        #expect(list.count == count)
        #expect(Array(list) == Self.ids(count))
        #expect(list[EntryIDList.chunkSize] == Self.ids(count)[EntryIDList.chunkSize])
        #expect(list.last == Self.ids(count).last)
        #expect(EntryIDList(author: "coder").isEmpty)
    }

    @Test func insertsOutOfOrderIDsInPlaceAndIgnoresDuplicates() {
        var generator = SeededGenerator(seed: 11)
        var expected: [EntryID] = []
        var list = EntryIDList(author: "a")
        for _ in 0..<2_000 {
            let id = EntryID(
                tick: Int.random(in: 1...400, using: &generator), agent: "a",
                sequence: Int.random(in: 1...3, using: &generator))
            list.insert(id)
            if !expected.contains(id) { expected.append(id) }
        }
        #expect(Array(list) == expected.sorted())
    }

    @Test func removesTheGivenIDs() {
        var list = EntryIDList(author: "coder", sorted: Self.ids(600))
        let gone = Set(Self.ids(600).filter { $0.tick < 50 || $0.sequence == 2 })
        list.remove(gone)
        #expect(Array(list) == Self.ids(600).filter { !gone.contains($0) })
        list.remove([])
        #expect(list.count == 600 - gone.count)
    }

    @Test func aCopyIsIndependentOfTheOriginal() {
        let original = EntryIDList(author: "coder", sorted: Self.ids(EntryIDList.chunkSize + 5))
        var copy = original
        copy.append(EntryID(tick: 10_000, agent: "coder", sequence: 1))
        copy.remove([Self.ids(1)[0]])
        #expect(original.count == EntryIDList.chunkSize + 5)
        #expect(Array(original) == Self.ids(EntryIDList.chunkSize + 5))
        #expect(copy.count == EntryIDList.chunkSize + 5)
        #expect(copy.last?.tick == 10_000)
    }
}
