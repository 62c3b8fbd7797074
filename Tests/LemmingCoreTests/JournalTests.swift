import Testing

@testable import LemmingCore

private func sampleJournal() -> Journal {
    var journal = Journal(tick: 42, label: "tick 42 «ünïcode»")
    journal.operations = [
        .write(path: "agents/a/outbox/00000042-a-01.json", content: Array("{\n  \"x\": \"é\\n\"\n}\n".utf8)),
        .append(path: "agents/a/logs/turns.jsonl", base: 3, content: Array("{\"turn\":1}\n".utf8)),
        .delete(path: "agents/a/memory/old.json"),
        .move(from: "agents/a/outbox/00000001-a-01.json", to: "archive/outbox/a/00000001-a-01.json"),
    ]
    return journal
}

@Test func bytesParseBackToTheSameJournal() throws {
    let journal = sampleJournal()
    let parsed = try Journal(bytes: journal.bytes, file: "state/journal/42.json")
    #expect(parsed == journal)
    #expect(try JSONValue.parse(journal.bytes)["tick"] == 42)
}

@Test func bytesHaveOneOperationPerLine() throws {
    var journal = Journal(tick: 7, label: "l")
    journal.operations = [.delete(path: "a"), .move(from: "b", to: "c")]
    let expected = """
        {"format":1,"tick":7,"label":"l","operations":[
        {"op":"delete","path":"a"},
        {"op":"move","from":"b","to":"c"}
        ]}

        """
    #expect(journal.bytes == Array(expected.utf8))
    let empty = Journal(tick: 1, label: "")
    #expect(empty.bytes == Array("{\"format\":1,\"tick\":1,\"label\":\"\",\"operations\":[\n]}\n".utf8))
    #expect(try Journal(bytes: empty.bytes, file: "j") == empty)
}

@Test(arguments: [
    #"{"op":"write","path":"../x","content":""}"#,
    #"{"op":"write","path":"/etc/passwd","content":""}"#,
    #"{"op":"write","path":"a/../../b","content":""}"#,
    #"{"op":"write","path":"","content":""}"#,
    #"{"op":"write","content":"x"}"#,
    #"{"op":"append","path":"../log","base":0,"content":""}"#,
    #"{"op":"append","path":"log","content":""}"#,
    #"{"op":"append","path":"log","base":-1,"content":""}"#,
    #"{"op":"delete","path":"/tmp/x"}"#,
    #"{"op":"delete","path":".."}"#,
    #"{"op":"move","from":"../a","to":"b"}"#,
    #"{"op":"move","from":"a","to":"/b"}"#,
    #"{"op":"move","from":"a"}"#,
    #"{"op":"chmod","path":"a"}"#,
    #"{"path":"a"}"#,
    #"5"#,
])
func unsafeOrMalformedOperationsAreRejected(operation: String) throws {
    let bytes = Array(#"{"format":1,"tick":3,"label":"","operations":[\#(operation)]}"#.utf8)
    let error = try #require(throws: LemmingError.self) { try Journal(bytes: bytes, file: "state/journal/3.json") }
    #expect(error.code == .invalidFile)
    #expect(error.path == "state/journal/3.json")
}

@Test(arguments: ["", "{", "[]", #"{"operations":[]}"#, #"{"tick":1}"#, #"{"tick":"1","operations":[]}"#])
func malformedJournalFilesAreRejected(text: String) throws {
    let error = try #require(throws: LemmingError.self) { try Journal(bytes: Array(text.utf8), file: "j.json") }
    #expect(error.code == .invalidFile)
}

// MARK: - Applying

/// Every regular file under `root`, by relative path, with its content.
private func snapshot(_ root: String, _ prefix: String = "") throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for name in try FileSystem.list(root + prefix) ?? [] {
        let relative = prefix + "/" + name
        if FileSystem.info(root + relative)?.isDirectory == true {
            files.merge(try snapshot(root, relative)) { first, _ in first }
        } else {
            files[relative] = try FileSystem.read(root + relative)
        }
    }
    return files
}

/// A scratch org with a few files, and a journal that touches each of them.
private func makeFixture() throws -> (root: String, journal: Journal) {
    let root = try makeScratchDirectory()
    try FileSystem.makeDirectory(root + "/agents/a/outbox")
    try FileSystem.makeDirectory(root + "/agents/a/logs")
    try FileSystem.writeAtomically(Array("old\n".utf8), to: root + "/agents/a/logs/turns.jsonl")
    try FileSystem.writeAtomically(Array("entry".utf8), to: root + "/agents/a/outbox/00000001-a-01.json")
    try FileSystem.writeAtomically(Array("gone".utf8), to: root + "/agents/a/memory.json")
    var journal = Journal(tick: 2, label: "tick 2")
    journal.operations = [
        .write(path: "agents/a/outbox/00000002-a-01.json", content: Array("new entry".utf8)),
        .write(path: "agents/b/memory/plan.json", content: Array("{}".utf8)),
        .append(path: "agents/a/logs/turns.jsonl", base: 4, content: Array("turn 2\n".utf8)),
        .append(path: "agents/b/logs/turns.jsonl", base: 0, content: Array("first\n".utf8)),
        .delete(path: "agents/a/memory.json"),
        .delete(path: "agents/a/never-existed.json"),
        .move(from: "agents/a/outbox/00000001-a-01.json", to: "archive/outbox/a/00000001-a-01.json"),
        .move(from: "agents/a/outbox/missing.json", to: "archive/outbox/a/missing.json"),
    ]
    return (root, journal)
}

private let expectedFiles: [String: [UInt8]] = [
    "/agents/a/outbox/00000002-a-01.json": Array("new entry".utf8),
    "/agents/b/memory/plan.json": Array("{}".utf8),
    "/agents/a/logs/turns.jsonl": Array("old\nturn 2\n".utf8),
    "/agents/b/logs/turns.jsonl": Array("first\n".utf8),
    "/archive/outbox/a/00000001-a-01.json": Array("entry".utf8),
]

@Test func applyingGivesTheRecordedFiles() throws {
    let (root, journal) = try makeFixture()
    defer { try? FileSystem.removeTree(root) }
    try journal.apply(root: root)
    #expect(try snapshot(root) == expectedFiles)
}

@Test func applyingTwiceGivesTheSameFiles() throws {
    let (root, journal) = try makeFixture()
    defer { try? FileSystem.removeTree(root) }
    try journal.apply(root: root)
    let once = try snapshot(root)
    try journal.apply(root: root)
    #expect(try snapshot(root) == once)
    #expect(once == expectedFiles)
}

private struct SimulatedCrash: Error {}

@Test func reapplyingAfterACrashAtAnyOperationGivesTheSameFiles() throws {
    let probe = try makeFixture()
    try FileSystem.removeTree(probe.root)
    let operationCount = probe.journal.operations.count
    for crashAfter in 0..<operationCount {
        let (root, journal) = try makeFixture()
        defer { try? FileSystem.removeTree(root) }
        #expect(throws: SimulatedCrash.self) {
            try journal.apply(root: root) { number in
                if number == crashAfter { throw SimulatedCrash() }
            }
        }
        let recovered = try Journal(bytes: journal.bytes, file: "state/journal/2.json")
        try recovered.apply(root: root)
        #expect(try snapshot(root) == expectedFiles, "crash after operation \(crashAfter)")
    }
}
