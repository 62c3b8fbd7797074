import Testing

@testable import LemmingCore

#if canImport(Glibc)
import Glibc

/// Names of directory entries are read where `readdir` put them, never by copying `dirent`
/// (`lemming serve` crashed listing outboxes while an engine wrote 100 entries a tick: a short
/// record at the end of the library's buffer was copied as a whole 280-byte `dirent`).
@Suite struct DirectoryEntryNameTests {
    @Test func aShortRecordAtTheEndOfTheMappedMemoryIsReadWithoutTouchingWhatFollows() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Two pages; the second may not be read: any byte read past the record faults.
        let memory = try #require(
            mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(memory, 2 * page) }
        #expect(mprotect(memory + page, page, PROT_NONE) == 0)
        let offset = try #require(FileSystem.direntNameOffset)
        let name: [UInt8] = Array("00000042-coder-01.json".utf8) + [0]
        // The record is as long as its name needs, and ends where the readable memory ends.
        let start = memory + page - (offset + name.count)
        name.withUnsafeBytes { bytes in
            (start + offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        let entry = start.assumingMemoryBound(to: dirent.self)
        #expect(Array(FileSystem.nameBytes(of: entry)) == Array(name.dropLast()))
    }

    @Test func listingAFolderGivesEveryNameAndNeitherDotEntry() throws {
        let folder = "/tmp/lemming-dirent-\(getpid())"
        try FileSystem.makeDirectory(folder)
        defer { try? FileSystem.removeTree(folder) }
        let names = (1...300).map { "\(String(repeating: "x", count: $0 % 40 + 1))-\($0)" }
        for name in names { try FileSystem.writeAtomically([], to: folder + "/" + name) }
        var seen: [String] = []
        #expect(try FileSystem.forEachName(in: folder) { seen.append(String(decoding: $0, as: UTF8.self)) })
        #expect(seen.sorted() == names.sorted())
        #expect(try FileSystem.list(folder)?.sorted() == names.sorted())
    }
}
#endif
