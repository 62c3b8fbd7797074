import LemmingArchive
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// Archives built to break out of their target, exhaust the disk, or slip in content: each is
/// refused with its code, and the scratch folder holds nothing but the archive afterwards.
@Suite(.timeLimit(.minutes(1)))
struct HostileArchiveTests {
    /// Refuses `archive` with `code` and checks nothing was written beside it.
    private func expectRefused(
        _ archive: TestArchive, _ code: LemmingError.Code, mentioning text: String,
        configuration: ArchiveImporter.Configuration = .init(), patch: (String) throws -> Void = { _ in }
    ) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let error = try Fixture.importError(archive, in: scratch, configuration: configuration, patch: patch)
        #expect(error.code == code, "\(error)")
        #expect(error.description.contains(text), "\(error)")
        #expect(try FileSystem.list(scratch.root) == ["a.zip"])
    }

    @Test func theFixtureItselfImports() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try TestArchive.org(Fixture.orgFiles).write(to: scratch.archive)
        let summary = try ArchiveImporter(file: scratch.archive).importOrg(into: scratch.target)
        #expect(summary.files == Fixture.orgFiles.count)
        #expect(try fileTree(scratch.target).filter { !$0.key.hasSuffix("/") } == Fixture.orgFiles)
    }

    @Test(arguments: [
        ("org/../evil.txt", "'..'"), ("org/agents/../../evil.txt", "'..'"), ("../evil.txt", "'..'"),
        ("/tmp/lemming-archive-evil.txt", "absolute"), ("org/agents\\..\\..\\evil.txt", "backslash"),
        ("org/a\u{0}b", "NUL"), ("org//evil.txt", "empty component"), ("org/./evil.txt", "'.'"),
        ("evil.txt", "outside 'org/'"),
    ])
    func refusesNamesThatLeaveTheTarget(name: String, reason: String) throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.entries.append(.init(name: name, content: Array("pwned".utf8)))
        try expectRefused(archive, .unsafeArchive, mentioning: reason)
        #expect(!FileSystem.exists("/tmp/lemming-archive-evil.txt"))
    }

    /// What an export never writes: a foreign journal would be applied at the next start, a
    /// `.git/config` can run commands in a prompt that shows git status.
    @Test(arguments: [
        "state/journal/journal.log", "state/engine.lock", "state/search.sqlite", ".git/config",
        "agents/a/memory/.plan.json.1-1.tmp",
    ])
    func refusesWhatAnExportNeverHolds(path: String) throws {
        var files = Fixture.orgFiles
        files[path] = Array("planted".utf8)
        try expectRefused(TestArchive.org(files), .unsafeArchive, mentioning: "an export never holds")
    }

    @Test func refusesASymbolicLinkEntry() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.entries.append(.init(name: "org/shared/link", type: .symbolicLink, content: Array("/etc".utf8)))
        try expectRefused(archive, .unsafeArchive, mentioning: "symbolic link")
    }

    @Test(arguments: [UInt16(0o020644), 0o060644, 0o010644, 0o140644])
    func refusesDevicesPipesAndSockets(mode: UInt16) throws {
        let archive = TestArchive.org(Fixture.orgFiles)
        try expectRefused(archive, .unsafeArchive, mentioning: "device, pipe or socket") { file in
            try TestArchive.patch(file, entry: "org/shared/notes.md", mode: mode)
        }
    }

    @Test func refusesDuplicateNames() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.entries.append(.init(name: "org/shared/notes.md", content: Array("other".utf8)))
        try expectRefused(archive, .unsafeArchive, mentioning: "duplicate")
    }

    @Test func refusesTwoSpellingsOfOneUnicodeName() throws {
        var files = Fixture.orgFiles
        files["shared/caf\u{E9}.md"] = Array("composed".utf8)
        var archive = TestArchive.org(files)
        archive.entries.append(.init(name: "org/shared/cafe\u{301}.md", content: Array("decomposed".utf8)))
        try expectRefused(archive, .unsafeArchive, mentioning: "duplicate")
    }

    @Test func refusesMoreEntriesThanTheLimit() throws {
        let archive = TestArchive.org(Fixture.orgFiles)
        try expectRefused(
            archive, .archiveTooLarge, mentioning: "entries", configuration: .init(maxEntries: 5))
    }

    @Test func refusesMoreDeclaredBytesThanTheLimit() throws {
        var files = Fixture.orgFiles
        files["shared/big.bin"] = [UInt8](repeating: 7, count: 10_000)
        try expectRefused(
            TestArchive.org(files), .archiveTooLarge, mentioning: "limit", configuration: .init(maxBytes: 5_000))
    }

    /// A zip bomb: 4 MiB of zeros (a few KiB deflated) declared as 100 bytes in the zip and the
    /// manifest. Extraction stops at byte 101.
    @Test func stopsExtractingAnEntryThatHoldsMoreThanItDeclares() throws {
        var files = Fixture.orgFiles
        files["shared/bomb.bin"] = [UInt8](repeating: 0, count: 4 << 20)
        var archive = TestArchive.org(files)
        let index = try #require(archive.manifest?.files.firstIndex { $0.path == "shared/bomb.bin" })
        archive.manifest?.files[index].size = 100
        try expectRefused(archive, .archiveTooLarge, mentioning: "more than the 100 bytes it declares") { file in
            try TestArchive.patch(file, entry: "org/shared/bomb.bin", declaredSize: 100)
        }
    }

    @Test func refusesAnArchiveWithoutManifest() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.manifest = nil
        try expectRefused(archive, .invalidArchive, mentioning: "not a LeMMing archive")
    }

    @Test func refusesAFileTheManifestDoesNotList() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.entries.append(.init(name: "org/shared/extra.md", content: Array("x".utf8)))
        try expectRefused(archive, .invalidArchive, mentioning: "does not list")
    }

    @Test func refusesAListedFileTheZipDoesNotHold() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.entries.removeAll { $0.name == "org/shared/notes.md" }
        try expectRefused(archive, .invalidArchive, mentioning: "does not hold")
    }

    @Test func refusesContentThatDoesNotMatchItsChecksum() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        let index = try #require(archive.entries.firstIndex { $0.name == "org/shared/notes.md" })
        archive.entries[index].content = Array("HELLO\n".utf8)
        try expectRefused(archive, .invalidArchive, mentioning: "SHA-256")
    }

    @Test func refusesAManifestOfANewerFormat() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        var json = try #require(archive.manifest?.json.objectValue)
        json["version"] = 2
        archive.rawManifest = Fixture.json(.object(json))
        try expectRefused(archive, .unsupportedFormat, mentioning: "format version 2")
    }

    @Test(arguments: [
        ("format", JSONValue.string("zip"), "not a LeMMing archive"), ("files", .string("all"), "must be an array"),
        ("total_bytes", .int(1), "sum of the files"), ("kind", .string("team"), "'org' or 'agent'"),
    ])
    func refusesABadManifest(field: String, value: JSONValue, reason: String) throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        var json = try #require(archive.manifest?.json.objectValue)
        json[field] = value
        archive.rawManifest = Fixture.json(.object(json))
        try expectRefused(archive, .invalidArchive, mentioning: reason)
    }

    @Test func refusesAManifestPathThatLeavesTheTarget() throws {
        var archive = TestArchive.org(Fixture.orgFiles)
        archive.manifest?.directories.append("../outside")
        try expectRefused(archive, .unsafeArchive, mentioning: "'..'")
    }

    @Test func refusesAnInvalidResumeBeforeWritingAnything() throws {
        var files = Fixture.orgFiles
        files["agents/b/resume.json"] = Fixture.json(["name": "b"])
        try expectRefused(TestArchive.org(files), .invalidFile, mentioning: "agents/b/resume.json")
    }

    @Test func refusesAResumeWhoseNameIsNotItsFolder() throws {
        var files = Fixture.orgFiles
        files["agents/b/resume.json"] = TestArchive.resume("a")
        try expectRefused(TestArchive.org(files), .invalidFile, mentioning: "agents/b/resume.json")
    }

    @Test func refusesAnAgentArchiveThatReachesOutsideItsAgent() throws {
        var archive = TestArchive.agent("a", ["agents/a/resume.json": TestArchive.resume("a")])
        archive.entries.append(.init(name: "org/agents/b/resume.json", content: TestArchive.resume("b")))
        archive.manifest?.files.append(.init(path: "agents/b/resume.json", content: TestArchive.resume("b")))
        archive.manifest?.files.sort { $0.path < $1.path }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try archive.write(to: scratch.archive)
        let error = #expect(throws: LemmingError.self) { try ArchiveImporter(file: scratch.archive) }
        #expect(error?.code == .unsafeArchive)
        #expect(error?.description.contains("only its own folders") == true)
    }

    @Test func refusesAFileThatIsNotAZipOrIsTruncated() throws {
        let archive = TestArchive.org(Fixture.orgFiles)
        try expectRefused(archive, .invalidArchive, mentioning: "not a readable zip archive") { file in
            try FileSystem.writeAtomically(Array("PK\u{3}\u{4} not really".utf8), to: file)
        }
        try expectRefused(archive, .invalidArchive, mentioning: "not a readable zip archive") { file in
            let bytes = try FileSystem.read(file)
            try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count / 2)), to: file)
        }
    }
}
