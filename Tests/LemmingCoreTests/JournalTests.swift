import LemmingJSON
import Testing

@testable import LemmingCore

private func sampleJournal() -> Journal {
    var journal = Journal(tick: 42, label: "tick 42 «ünïcode»")
    journal.operations = [
        .create(path: "agents/a/outbox/00000042-a-01.json", content: Array("{\n  \"x\": \"é\\n\"\n}\n".utf8)),
        .replace(path: "agents/a/memory/plan.json", content: Array("{\"v\": 1}\n".utf8)),
        .append(path: "agents/a/logs/turns.jsonl", base: 3, content: Array("{\"turn\":1}\n".utf8)),
        .delete(path: "agents/a/memory/old.json"),
        .move(from: "agents/a/outbox/00000001-a-01.json", to: "archive/outbox/a/00000001-a-01.json"),
    ]
    return journal
}

@Test func recordsParseBackToTheSameJournals() throws {
    var second = Journal(tick: 43, label: "control")
    second.operations = [.replace(path: "state/tick.json", content: [])]
    let bytes = sampleJournal().record + second.record
    let (records, length) = try Journal.records(in: bytes, file: "state/journal/journal.log")
    #expect(length == bytes.count)
    #expect(records.count == 2)
    #expect(records.first?.operations == sampleJournal().operations)
    #expect(records.first?.tick == 42)
    #expect(records.first?.label == "tick_42_«ünïcode»")
    #expect(records.last?.operations == second.operations)
}

@Test func contentIsCopiedVerbatimAfterAHeaderLine() {
    var journal = Journal(tick: 7, label: "l")
    journal.operations = [.delete(path: "a"), .create(path: "b", content: Array("x\ny".utf8))]
    let body = "{\"op\":\"delete\",\"path\":\"a\"}\n{\"op\":\"create\",\"path\":\"b\",\"length\":3}\nx\ny\n"
    let expected = "LMJ1 7 l 2 \(body.utf8.count) \(Journal.checksum(Array(body.utf8)))\n" + body
    #expect(journal.record == Array(expected.utf8))
}

@Test func aTornOrCorruptTailIsIgnored() throws {
    let first = sampleJournal().record
    var secondJournal = sampleJournal()
    secondJournal.tick = 43
    let second = secondJournal.record
    for cut in [1, second.count / 2, second.count - 1] {
        let (records, length) = try Journal.records(in: first + second.prefix(cut), file: "j")
        #expect(records.count == 1, "cut at \(cut)")
        #expect(length == first.count)
    }
    var flipped = second
    flipped[flipped.count - 3] ^= 0x20
    #expect(try Journal.records(in: first + flipped, file: "j").records.count == 1)
    #expect(try Journal.records(in: [], file: "j").records.isEmpty)
    #expect(try Journal.records(in: Array("garbage\n".utf8), file: "j").records.isEmpty)
}

@Test(arguments: [
    #"{"op":"create","path":"../x","length":0}"#,
    #"{"op":"create","path":"/etc/passwd","length":0}"#,
    #"{"op":"replace","path":"a/../../b","length":0}"#,
    #"{"op":"create","path":"","length":0}"#,
    #"{"op":"create","length":0}"#,
    #"{"op":"append","path":"../log","base":0,"length":0}"#,
    #"{"op":"append","path":"log","length":0}"#,
    #"{"op":"append","path":"log","base":-1,"length":0}"#,
    #"{"op":"delete","path":"/tmp/x"}"#,
    #"{"op":"delete","path":".."}"#,
    #"{"op":"move","from":"../a","to":"b"}"#,
    #"{"op":"move","from":"a","to":"/b"}"#,
    #"{"op":"move","from":"a"}"#,
    #"{"op":"chmod","path":"a"}"#,
    #"{"path":"a"}"#,
    #"5"#,
    #"{"op":"create","path":"a","length":99}"#,
])
func unsafeOrMalformedOperationsInAnIntactRecordAreRejected(operation: String) throws {
    let body = operation + (operation.contains("length") ? "\n\n" : "\n")
    let bytes = Array("LMJ1 3 tick 1 \(body.utf8.count) \(Journal.checksum(Array(body.utf8)))\n\(body)".utf8)
    let error = try #require(throws: LemmingError.self) {
        try Journal.records(in: bytes, file: "state/journal/journal.log")
    }
    #expect(error.code == .invalidFile)
    #expect(error.path == "state/journal/journal.log")
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
    try FileSystem.writeAtomically(Array("a much longer previous value".utf8), to: root + "/agents/a/state.json")
    var journal = Journal(tick: 2, label: "tick 2")
    journal.operations = [
        .create(path: "agents/a/outbox/00000002-a-01.json", content: Array("new entry".utf8)),
        .replace(path: "agents/b/memory/plan.json", content: Array("{}".utf8)),
        .replace(path: "agents/a/state.json", content: Array("short".utf8)),
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
    "/agents/a/state.json": Array("short".utf8),
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
        let recovered = try Journal.records(in: journal.record, file: "state/journal/journal.log").records
        #expect(recovered.count == 1)
        for record in recovered { try record.apply(root: root) }
        #expect(try snapshot(root) == expectedFiles, "crash after operation \(crashAfter)")
    }
}

/// The checksum as the journal's format defines it: FNV-1a over the body's 8-byte little-endian
/// words from its start, each followed by a shift-xor, then over the remaining bytes one by one.
private func referenceChecksum(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    let words = bytes.count / 8
    for word in 0..<words {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[word * 8 + index]) << (8 * UInt64(index)) }
        hash = (hash ^ value) &* 0x0000_0100_0000_01B3
        hash ^= hash >> 29
    }
    for byte in bytes[(words * 8)...] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

@Test func theChecksumOfPiecesIsTheChecksumOfTheirBytesWhereverTheyAreCut() {
    let bytes = (0..<61).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    #expect(Journal.checksum(bytes) == referenceChecksum(bytes))
    for first in 0...bytes.count {
        for second in stride(from: first, through: bytes.count, by: 3) {
            var checksum = Journal.Checksum()
            checksum.add(Array(bytes[..<first]))
            checksum.add(Array(bytes[first..<second]))
            checksum.add(Array(bytes[second...]))
            #expect(checksum.hex == referenceChecksum(bytes), "cut at \(first), \(second)")
        }
    }
}

@Test func aRecordWrittenInPiecesIsTheRecord() throws {
    var journal = sampleJournal()
    // Pieces larger than the write buffer and many small ones between them.
    journal.operations.append(.create(path: "big", content: Array(repeating: 0x61, count: 3 << 20 | 5)))
    for number in 0..<300 {
        journal.operations.append(.append(path: "log", base: number, content: Array("line \(number)\n".utf8)))
    }
    let directory = try makeScratchDirectory()
    defer { try? FileSystem.removeTree(directory) }
    let file = directory + "/journal.log"
    #expect(try FileSystem.appendDurably(journal.pieces, to: file))
    #expect(try !FileSystem.appendDurably(Journal(tick: 1, label: "x").pieces, to: file))
    let written = try FileSystem.read(file)
    let same = written == journal.record + Journal(tick: 1, label: "x").record
    #expect(same, "the file holds \(written.count) bytes")
    let records = try Journal.records(in: written, file: "j").records
    let parsedBack = records.first?.operations == journal.operations
    #expect(parsedBack)
    #expect(records.map(\.tick) == [42, 1])
}

@Test func operationHeadersAreTheCompactJSONOfTheirFields() throws {
    let journal = sampleJournal()
    let lines = journal.pieces.dropFirst().filter { $0.last == 0x0A && $0.first == 0x7B && $0.count > 1 }
    func length(_ index: Int) -> JSONValue {
        switch journal.operations[index] {
        case .create(_, let content), .replace(_, let content), .append(_, _, let content): return .int(content.count)
        default: return .null
        }
    }
    let expected: [JSONValue] = [
        ["op": "create", "path": "agents/a/outbox/00000042-a-01.json", "length": length(0)],
        ["op": "replace", "path": "agents/a/memory/plan.json", "length": length(1)],
        ["op": "append", "path": "agents/a/logs/turns.jsonl", "base": 3, "length": length(2)],
        ["op": "delete", "path": "agents/a/memory/old.json"],
        ["op": "move", "from": "agents/a/outbox/00000001-a-01.json", "to": "archive/outbox/a/00000001-a-01.json"],
    ]
    let headers = lines.filter { (try? JSONValue.parse(Array($0.dropLast())))?["op"] != nil }
    #expect(headers.count == expected.count)
    for (line, value) in zip(headers, expected) {
        #expect(Array(line.dropLast()) == JSONWriter(style: .compact).bytes(value))
    }
}
