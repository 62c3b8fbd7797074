import LemmingArchive
import LemmingCore
import LemmingTesting
import Testing

/// Where an org archive may be extracted: a new or empty folder, or (with force) an org.
@Suite(.timeLimit(.minutes(1)))
struct OrgImportTargetTests {
    private func importer(_ scratch: Scratch, force: Bool = false) throws -> ArchiveImporter {
        if !FileSystem.exists(scratch.archive) { try TestArchive.org(Fixture.orgFiles).write(to: scratch.archive) }
        return try ArchiveImporter(file: scratch.archive, configuration: .init(force: force))
    }

    @Test func anEmptyFolderIsFilled() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileSystem.makeDirectory(scratch.target)
        _ = try importer(scratch).importOrg(into: scratch.target)
        #expect(try fileTree(scratch.target).filter { !$0.key.hasSuffix("/") } == Fixture.orgFiles)
    }

    @Test func missingParentsAreCreated() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try importer(scratch).importOrg(into: scratch.root + "/deep/er/org")
        #expect(FileSystem.info(scratch.root + "/deep/er/org/lemming.json")?.isRegularFile == true)
    }

    @Test func aFolderThatIsNotAnOrgIsNeverReplaced() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileSystem.makeDirectory(scratch.target)
        try FileSystem.writeAtomically(Array("precious".utf8), to: scratch.target + "/thesis.tex")
        for force in [false, true] {
            let error = #expect(throws: LemmingError.self) {
                try importer(scratch, force: force).importOrg(into: scratch.target)
            }
            #expect(error?.code == .conflict)
            #expect(try FileSystem.list(scratch.target) == ["thesis.tex"])
        }
        #expect(try FileSystem.list(scratch.root)?.sorted() == ["a.zip", "org"])
    }

    @Test func anOrgIsReplacedOnlyWithForce() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let old = try TemporaryOrg.make(agents: [TestAgent("old")])
        defer { old.remove() }
        try FileSystem.move(old.root, to: scratch.target)
        let error = #expect(throws: LemmingError.self) { try importer(scratch).importOrg(into: scratch.target) }
        #expect(error?.code == .conflict)
        #expect(FileSystem.exists(scratch.target + "/agents/old/resume.json"))
        _ = try importer(scratch, force: true).importOrg(into: scratch.target)
        #expect(!FileSystem.exists(scratch.target + "/agents/old"))
        #expect(try fileTree(scratch.target).filter { !$0.key.hasSuffix("/") } == Fixture.orgFiles)
        #expect(try FileSystem.list(scratch.root)?.sorted() == ["a.zip", "org"])
    }

    @Test func aFileOrLinkAtTheTargetIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileSystem.writeAtomically(Array("x".utf8), to: scratch.target)
        let error = #expect(throws: LemmingError.self) {
            try importer(scratch, force: true).importOrg(into: scratch.target)
        }
        #expect(error?.code == .conflict)
        #expect(try FileSystem.read(scratch.target) == Array("x".utf8))
    }
}
