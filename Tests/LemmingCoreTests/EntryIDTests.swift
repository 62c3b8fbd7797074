import LemmingOrgView
import LemmingTesting
import Testing

@testable import LemmingCore

@Test(arguments: [
    (42, "manager", 1, "00000042-manager-01"),
    (0, "a", 0, "00000000-a-00"),
    (1, "human", 99, "00000001-human-99"),
    (1, "human", 100, "00000001-human-100"),
    (99_999_999, "x_1", 7, "99999999-x_1-07"),
    (100_000_000, "x_1", 7, "100000000-x_1-07"),
])
func formatsZeroPaddedIDs(tick: Int, agent: String, sequence: Int, expected: String) throws {
    let id = EntryID(tick: tick, agent: agent, sequence: sequence)
    #expect(id.text == expected)
    #expect(id.description == expected)
    let parsed = try #require(EntryID(expected))
    #expect(parsed == id)
    #expect(parsed.tick == tick && parsed.agent == agent && parsed.sequence == sequence)
}

@Test func parsesSubstrings() throws {
    let fileName = "00000042-manager-01.json"
    let id = try #require(EntryID(fileName.dropLast(5)))
    #expect(id == EntryID(tick: 42, agent: "manager", sequence: 1))
}

@Test(arguments: [
    "", "-", "--", "00000042", "00000042-manager", "00000042-manager-01-x", "0000042-manager-01",
    "00000042-manager-1", "00000042-Manager-01", "00000042--01", "00000042-1manager-01", "0000004a-manager-01",
    "+0000042-manager-01", "00000042-manager-+1", "00000042-manager-0x", " 00000042-manager-01",
    "00000042-manager-01 ", "00000042-manager-01.json", "00000042-man.ager-01", "99999999999999999999-a-01",
    "00000042-a-99999999999999999999", "٠٠٠٠٠٠٤٢-manager-01", "000000042-manager-01", "00000042-manager-001",
    "0000000042-manager-100", "00000042-\(String(repeating: "a", count: 65))-01",
])
func rejectsMalformedIDs(text: String) {
    #expect(EntryID(text) == nil)
}

@Test func acceptsLongButCanonicalParts() throws {
    let id = try #require(EntryID("123456789-\(String(repeating: "a", count: 64))-1234"))
    #expect(id.tick == 123_456_789)
    #expect(id.sequence == 1_234)
}

@Test func textRoundTripsThroughParsing() throws {
    var generator = SeededGenerator(seed: 5)
    let agents = ["a", "human", "manager", "z9_", "coder_2"]
    for _ in 0..<300 {
        let id = EntryID(
            tick: Int.random(in: 0...2_000_000_000, using: &generator),
            agent: agents.randomElement(using: &generator) ?? "a",
            sequence: Int.random(in: 0...1_000, using: &generator))
        let parsed = try #require(EntryID(id.text))
        #expect(parsed == id)
        #expect(parsed.text == id.text)
    }
}

@Test func ordersSequencesNumerically() throws {
    let ninetyNine = try #require(EntryID("00000001-a-99"))
    let hundred = try #require(EntryID("00000001-a-100"))
    #expect(ninetyNine < hundred)
    #expect(ninetyNine.text > hundred.text, "the text order alone would be wrong")
}

@Test func ordersTicksNumerically() throws {
    let before = try #require(EntryID("99999999-a-01"))
    let after = try #require(EntryID("100000000-a-01"))
    #expect(before < after)
    #expect(before.text > after.text, "the text order alone would be wrong")
}

@Test func ordersByTickThenAuthorInCodePointOrderThenSequence() {
    let ids = [
        EntryID(tick: 2, agent: "a", sequence: 1),
        EntryID(tick: 1, agent: "b", sequence: 2),
        EntryID(tick: 1, agent: "b", sequence: 10),
        EntryID(tick: 1, agent: "a_b", sequence: 5),
        EntryID(tick: 1, agent: "ab", sequence: 1),
        EntryID(tick: 1, agent: "a", sequence: 3),
        EntryID(tick: 10, agent: "a", sequence: 1),
    ]
    let expected = [
        "00000001-a-03", "00000001-a_b-05", "00000001-ab-01", "00000001-b-02", "00000001-b-10", "00000002-a-01",
        "00000010-a-01",
    ]
    #expect(ids.sorted().map(\.text) == expected)
    #expect(ids.reversed().sorted().map(\.text) == expected)
}

@Test func equalIDsAreNeitherBeforeNorAfter() {
    let id = EntryID(tick: 3, agent: "a", sequence: 1)
    #expect(!(id < id))
    #expect(id == EntryID(tick: 3, agent: "a", sequence: 1))
    #expect(Set([id, EntryID(tick: 3, agent: "a", sequence: 1)]).count == 1)
}

/// The file-name parser works on bytes; it must agree with the text parser on every name.
@Test(arguments: [
    "00000042-manager-01", "00000000-a-00", "100000000-x_1-07", "00000001-human-100", "",
    "00000042-manager", "00000042-manager-01-x", "0000042-manager-01", "00000042-manager-1", "00000042-Manager-01",
    "00000042--01", "0000004a-manager-01", "+0000042-manager-01", "00000042-manager-+1", "000000042-manager-01",
    "00000042-manager-001", "99999999999999999999-manager-01", "00000042-manager-99999999999999999999",
    "00000042-manager-01.json", "00000042-managers-01", "00000042-manage-01", "00000042-manager-01 ",
])
func fileNamesParseLikeTexts(text: String) {
    for author in ["manager", "a", "x_1", "human", "Manager"] {
        let fromText = EntryID(text).flatMap { $0.agent == author && Names.isValidAgentName(author) ? $0 : nil }
        #expect(EntryID(fileName: text + ".json", author: author) == fromText, "\(text) by \(author)")
    }
    if !text.hasSuffix(".json") { #expect(EntryID(fileName: text, author: "manager") == nil, "no .json suffix") }
    #expect(EntryID(fileName: text + ".jsonx", author: "manager") == nil)
}

@Test func fileNamesOfAnOutboxAreListedSortedAndOthersIgnored() throws {
    let directory = try makeTemporaryDirectory(prefix: "lemming-ids-")
    defer { try? FileSystem.removeTree(directory) }
    let paths = OrgPaths(root: directory)
    try FileSystem.makeDirectory(paths.outbox("coder"))
    let names = [
        "00000010-coder-01.json", "00000002-coder-02.json", "00000002-coder-10.json", "00000002-coder-03.json",
        ".00000003-coder-01.json.tmp", "00000004-other-01.json", "notes.txt", "100000000-coder-01.json",
    ]
    for name in names { try FileSystem.writeAtomically(Array("{}".utf8), to: paths.outbox("coder") + "/" + name) }
    let ids = try OrgView.entryIDs(of: "coder", paths: paths)
    #expect(
        ids.map(\.text) == [
            "00000002-coder-02", "00000002-coder-03", "00000002-coder-10", "00000010-coder-01", "100000000-coder-01",
        ])
    #expect(try OrgView.entryIDs(of: "nobody", paths: paths).isEmpty)
}
