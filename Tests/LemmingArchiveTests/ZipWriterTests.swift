import Foundation
import LemmingCore
import LemmingTesting
import Testing
import ZIPFoundation

@testable import LemmingArchive

/// The zip writer against two readers it does not share code with: ZIPFoundation and Python's
/// `zipfile` (the reference reader of CPython's standard library).
@Suite(.timeLimit(.minutes(2)))
struct ZipWriterTests {
    /// What Python's `zipfile` reads: `testzip()` (every CRC checked), then one line per entry:
    /// name, size, Unix mode in octal.
    static func python(_ path: String) throws -> [String] {
        let script = """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            bad = z.testzip()
            if bad is not None: sys.exit("bad entry: " + bad)
            for info in z.infolist(): print(info.filename, info.file_size, oct(info.external_attr >> 16))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LemmingError(.invalidArchive, problem) }
        return text.split(separator: "\n").map(String.init)
    }

    @Test func filesAndFoldersReadBackInZIPFoundationAndPython() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let contents: [(String, [UInt8], UInt16)] = [
            ("org/empty", [], 0o644), ("org/small.json", Array(#"{"a": 1}"#.utf8), 0o644),
            ("org/tool.sh", Array("#!/bin/sh\necho hi\n".utf8), 0o755),
            ("org/big.bin", (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }, 0o644),
            ("org/é ü.md", Array("unicode\n".utf8), 0o644),
        ]
        let writer = try ZipWriter(path: scratch.archive, modified: TemporaryOrg.fixedTime)
        try writer.addDirectory("org/")
        for (name, content, permissions) in contents {
            try writer.addFile(name, size: content.count, permissions: permissions) { offset, count in
                Array(content[offset..<(offset + count)])
            }
        }
        try writer.finish()

        let archive = try Archive(url: URL(fileURLWithPath: scratch.archive), accessMode: .read)
        var read: [String: [UInt8]] = [:]
        for entry in archive where entry.type == .file {
            var bytes: [UInt8] = []
            _ = try archive.extract(entry) { bytes += $0 }
            read[entry.path] = bytes
        }
        #expect(read == Dictionary(uniqueKeysWithValues: contents.map { ($0.0, $0.1) }))
        #expect(
            try Self.python(scratch.archive) == [
                "org/ 0 0o40755", "org/empty 0 0o100644", "org/small.json 8 0o100644", "org/tool.sh 18 0o100755",
                "org/big.bin 300000 0o100644", "org/é ü.md 8 0o100644",
            ])
        let directory = try ZipDirectory.read(scratch.archive, maxEntries: 10)
        #expect(directory.records.map(\.kind) == [.directory, .file, .file, .file, .file, .file])
    }

    /// More than 65,535 entries need the ZIP64 end records.
    @Test func manyEntriesUseZIP64EndRecords() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let writer = try ZipWriter(path: scratch.archive, modified: TemporaryOrg.fixedTime)
        for index in 0..<70_000 { try writer.addDirectory("d\(index)/") }
        try writer.addFile("last.txt", size: 3, permissions: 0o644) { _, _ in Array("end".utf8) }
        try writer.finish()
        #expect(try ZipDirectory.read(scratch.archive, maxEntries: 100_000).records.count == 70_001)
        let archive = try Archive(url: URL(fileURLWithPath: scratch.archive), accessMode: .read)
        #expect(archive.reduce(0) { count, _ in count + 1 } == 70_001)
        let lines = try Self.python(scratch.archive)
        #expect(lines.count == 70_001)
        #expect(lines.last == "last.txt 3 0o100644")
        let error = #expect(throws: LemmingError.self) { try ZipDirectory.read(scratch.archive, maxEntries: 70_000) }
        #expect(error?.code == .archiveTooLarge)
    }

    @Test func theModificationTimeIsMSDOSInUTC() {
        // 2026-01-01T00:00:00Z: (2026 - 1980) << 9 | 1 << 5 | 1, midnight.
        let stamp = ZipWriter.dosDateTime(TemporaryOrg.fixedTime)
        #expect(stamp.date == UInt16(46 << 9 | 1 << 5 | 1))
        #expect(stamp.time == 0)
    }
}
