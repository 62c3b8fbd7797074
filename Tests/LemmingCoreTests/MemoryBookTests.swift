import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

private let defaultLimits = OrgConfig.MemoryLimits()

extension MemoryBook {
    /// Applies an update at `tick` with a timestamp derived from the tick.
    fileprivate mutating func run(
        _ key: String, _ operation: MemoryOperation, _ value: JSONValue = .null, tick: Int = 1,
        limits: OrgConfig.MemoryLimits = defaultLimits
    ) throws(Refusal) -> Change {
        try apply(
            key: key, operation: operation, value: value, tick: tick, timestamp: "t\(tick)", limits: limits)
    }

    /// The sum of the sizes of every value, computed from scratch.
    fileprivate var recomputedBytes: Int { records.values.reduce(0) { $0 + $1.valueSize } }
}

// MARK: - Operations

@Test func setStoresARecord() throws {
    var book = MemoryBook()
    let change = try book.run("plan", .set, ["step": 1], tick: 7)
    let expected = MemoryRecord(key: "plan", value: ["step": 1], updatedTick: 7, updatedAt: "t7", operation: .set)
    #expect(change == .stored(expected))
    #expect(book["plan"] == expected)
    #expect(book.count == 1)
    #expect(book.totalBytes == #"{"step":1}"#.utf8.count)
}

@Test func setReplacesTheValue() throws {
    var book = MemoryBook()
    _ = try book.run("k", .set, [1, 2, 3])
    _ = try book.run("k", .set, "short", tick: 2)
    #expect(book["k"]?.value == "short")
    #expect(book["k"]?.updatedTick == 2)
    #expect(book.totalBytes == 7)
}

private let appendCases: [(JSONValue?, JSONValue, JSONValue)] = [
    (nil, "v", ["v"]),
    (.some(.null), "v", ["v"]),
    ([1, 2], 3, [1, 2, 3]),
    ([], [4], [[4]]),
    ("scalar", "v", ["scalar", "v"]),
    (5, 6, [5, 6]),
    (["a": 1], "v", [["a": 1], "v"]),
]

@Test(arguments: appendCases)
func appendBuildsAList(current: JSONValue?, value: JSONValue, expected: JSONValue) throws {
    var book = MemoryBook()
    if let current { _ = try book.run("log", .set, current) }
    _ = try book.run("log", .append, value, tick: 2)
    #expect(book["log"]?.value == expected)
    #expect(book["log"]?.operation == .append)
}

@Test func mergeIntoNothingStoresTheObject() throws {
    var book = MemoryBook()
    _ = try book.run("facts", .merge, ["a": 1])
    #expect(book["facts"]?.value == ["a": 1])
    var nulled = MemoryBook()
    _ = try nulled.run("facts", .set, .null)
    _ = try nulled.run("facts", .merge, ["b": 2])
    #expect(nulled["facts"]?.value == ["b": 2])
}

@Test func mergeIsShallowAndKeepsKeyOrder() throws {
    var book = MemoryBook()
    _ = try book.run("facts", .set, ["a": ["x": 1], "b": 1])
    _ = try book.run("facts", .merge, ["c": 3, "a": ["y": 2]], tick: 2)
    let merged = try #require(book["facts"]?.value.objectValue)
    #expect(merged == ["a": ["y": 2], "b": 1, "c": 3])
    #expect(merged.keys == ["a", "b", "c"])
}

@Test(arguments: [JSONValue.array([1]), "text", 5, true])
func mergeIntoANonObjectIsRefusedAndChangesNothing(current: JSONValue) throws {
    var book = MemoryBook()
    _ = try book.run("k", .set, current)
    let before = book
    let refusal = try #require(throws: MemoryBook.Refusal.self) { try book.run("k", .merge, ["a": 1], tick: 2) }
    #expect(refusal.code == "memory_merge_type")
    #expect(book == before)
}

@Test(arguments: [JSONValue.array([1]), "text", 5, .null])
func mergeWithANonObjectValueIsRefused(value: JSONValue) throws {
    var book = MemoryBook()
    let refusal = try #require(throws: MemoryBook.Refusal.self) { try book.run("k", .merge, value) }
    #expect(refusal.code == "memory_merge_type")
    #expect(book.count == 0)
}

@Test func deleteRemovesTheKeyAndItsBytes() throws {
    var book = MemoryBook()
    _ = try book.run("a", .set, "aaaa")
    _ = try book.run("b", .set, "bb")
    #expect(try book.run("a", .delete, tick: 3) == .deleted("a"))
    #expect(book["a"] == nil)
    #expect(book.count == 1)
    #expect(book.totalBytes == 4)
    #expect(try book.run("a", .delete, tick: 4) == .unchanged)
    #expect(try book.run("never", .delete) == .unchanged)
}

// MARK: - Caps

@Test func valueOverTheValueCapIsRefused() throws {
    var limits = OrgConfig.MemoryLimits()
    limits.maxValueBytes = 10
    var book = MemoryBook()
    _ = try book.run("k", .set, "12345678", limits: limits)
    #expect(book["k"]?.valueSize == 10)
    let before = book
    let refusal = try #require(throws: MemoryBook.Refusal.self) {
        try book.run("k", .set, "123456789", tick: 2, limits: limits)
    }
    #expect(refusal.code == "memory_value_too_large")
    #expect(book == before)
    #expect(book["k"]?.value == "12345678")
}

@Test func appendThatWouldGrowPastTheValueCapIsRefused() throws {
    var limits = OrgConfig.MemoryLimits()
    limits.maxValueBytes = 12
    var book = MemoryBook()
    _ = try book.run("log", .append, "abc", limits: limits)
    _ = try book.run("log", .append, "d", limits: limits)
    #expect(book["log"]?.value == ["abc", "d"])
    let before = book
    #expect(throws: MemoryBook.Refusal.self) { try book.run("log", .append, "e", limits: limits) }
    #expect(book == before)
}

@Test func totalOverTheAgentCapIsRefused() throws {
    var limits = OrgConfig.MemoryLimits()
    limits.maxAgentBytes = 20
    var book = MemoryBook()
    _ = try book.run("a", .set, "12345678", limits: limits)
    _ = try book.run("b", .set, "12345678", limits: limits)
    #expect(book.totalBytes == 20)
    let before = book
    let refusal = try #require(throws: MemoryBook.Refusal.self) { try book.run("c", .set, 1, limits: limits) }
    #expect(refusal.code == "memory_full")
    #expect(book == before)
    let growing = try #require(throws: MemoryBook.Refusal.self) { try book.run("a", .set, "123456789", limits: limits) }
    #expect(growing.code == "memory_full")
    #expect(book == before)
    // Replacing a value by a smaller one frees room.
    _ = try book.run("a", .set, 1, limits: limits)
    #expect(book.totalBytes == 11)
    _ = try book.run("c", .set, "1234567", limits: limits)
    #expect(book.totalBytes == 20)
}

@Test func newKeysBeyondTheKeyCapAreRefused() throws {
    var limits = OrgConfig.MemoryLimits()
    limits.maxKeys = 2
    var book = MemoryBook()
    _ = try book.run("a", .set, 1, limits: limits)
    _ = try book.run("b", .set, 2, limits: limits)
    let before = book
    let refusal = try #require(throws: MemoryBook.Refusal.self) { try book.run("c", .set, 3, limits: limits) }
    #expect(refusal.code == "memory_full")
    #expect(book == before)
    _ = try book.run("a", .append, 9, limits: limits)
    #expect(book["a"]?.value == [1, 9])
    _ = try book.run("b", .delete, limits: limits)
    _ = try book.run("c", .set, 3, limits: limits)
    #expect(Set(book.records.keys) == ["a", "c"])
}

@Test func totalBytesFollowsEveryChange() throws {
    var generator = SeededGenerator(seed: 21)
    var limits = OrgConfig.MemoryLimits()
    limits.maxValueBytes = 60
    limits.maxAgentBytes = 200
    limits.maxKeys = 5
    var book = MemoryBook()
    let keys = ["a", "b", "c", "d", "e", "f", "g"]
    let values: [JSONValue] = [
        "x", 1, .null, ["k": "v"], [1, 2], .string(String(repeating: "y", count: 40)), ["z": [1]],
    ]
    var refusals = 0
    for tick in 1...2_000 {
        let key = keys.randomElement(using: &generator) ?? "a"
        let operation = MemoryOperation.allCases.randomElement(using: &generator) ?? .set
        let value = values.randomElement(using: &generator) ?? .null
        let before = book
        do {
            _ = try book.run(key, operation, value, tick: tick, limits: limits)
        } catch {
            refusals += 1
            #expect(book == before)
        }
        #expect(book.totalBytes == book.recomputedBytes)
        #expect(book.totalBytes <= limits.maxAgentBytes)
        #expect(book.count <= limits.maxKeys)
        #expect(book.records.values.allSatisfy { $0.valueSize <= limits.maxValueBytes })
    }
    #expect(refusals > 0)
}

@Test func initFromRecordsCountsTheirBytes() {
    let records = [
        MemoryRecord(key: "a", value: "abc", updatedTick: 1, updatedAt: "", operation: .set),
        MemoryRecord(key: "b", value: [1, 2], updatedTick: 2, updatedAt: "", operation: .append),
    ]
    let book = MemoryBook(records: records)
    #expect(book.count == 2)
    #expect(book.totalBytes == 5 + 5)
}

// MARK: - Order

@Test func mostRecentFirstOrdersByTickThenKeyCodePoints() throws {
    var book = MemoryBook()
    _ = try book.run("old", .set, 1, tick: 1)
    _ = try book.run("b", .set, 1, tick: 5)
    _ = try book.run("B", .set, 1, tick: 5)
    _ = try book.run("a", .set, 1, tick: 5)
    _ = try book.run("mid", .set, 1, tick: 3)
    _ = try book.run("old2", .set, 1, tick: 1)
    #expect(book.mostRecentFirst.map(\.key) == ["B", "a", "b", "mid", "old", "old2"])
    _ = try book.run("old", .append, 2, tick: 9)
    #expect(book.mostRecentFirst.map(\.key) == ["old", "B", "a", "b", "mid", "old2"])
}

@Test func recordJSONRoundTrips() throws {
    let record = MemoryRecord(
        key: "plan", value: ["s": [1]], updatedTick: 4, updatedAt: "2026-01-01T00:00:00.000Z", operation: .merge)
    #expect(
        record.json.compactText
            == #"{"key":"plan","value":{"s":[1]},"updated_tick":4,"updated_at":"2026-01-01T00:00:00.000Z","op":"merge"}"#
    )
    #expect(try MemoryRecord(json: record.json, file: "memory/plan.json") == record)
    #expect(throws: LemmingError.self) { try MemoryRecord(json: ["key": "../x", "value": 1], file: "m.json") }
}
