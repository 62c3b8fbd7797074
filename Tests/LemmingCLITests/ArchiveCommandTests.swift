import Foundation
import LemmingArchive
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `lemming export` and `lemming import` through the binary.
@Suite(.timeLimit(.minutes(3)))
struct ArchiveCommandTests {
    /// What an export leaves out by design (the search index is left out by `files`).
    static let leftOut = ["state/engine.lock", "state/journal", "state/providers.json"]

    /// The org's files but those an export leaves out.
    static func files(_ root: String) throws -> [String: [UInt8]] {
        try TemporaryOrg(root: root).files(excluding: leftOut)
    }

    /// Every file and folder under `root` (folders with a trailing `/`), symbolic links not followed.
    static func tree(_ root: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        func walk(_ relative: String) throws {
            for name in try FileSystem.list(relative.isEmpty ? root : root + "/" + relative) ?? [] {
                let child = relative.isEmpty ? name : relative + "/" + name
                let path = root + "/" + child
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                    result[child] = Array(("->" + target).utf8)
                } else if FileSystem.info(path)?.isDirectory == true {
                    result[child + "/"] = []
                    try walk(child)
                } else {
                    result[child] = try FileSystem.read(path)
                }
            }
        }
        try walk("")
        return result
    }

    @Test func anOrgRoundTripsThroughExportAndImport() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "3"]).status == 0)
        try FileSystem.writeAtomically(Array("draft\n".utf8), to: org.path("agents/coder/workspace/draft.md"))
        let exported = try org.lemming(["export", "../acme.zip", "--workspace"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.hasPrefix("exported org 'acme' at tick 3: "), "\(exported.stdout)")
        #expect(exported.stdout.hasSuffix(" to \(org.directory)/acme.zip\n"), "\(exported.stdout)")

        let imported = try Lemming.run(["import", "acme.zip", "copy"], in: org.directory)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported org 'acme' to \(org.directory)/copy: "), "\(imported.stdout)")
        #expect(try Self.files(org.directory + "/copy") == Self.files(org.root))
        // The copy is an org that runs.
        let run = try Lemming.run(["run", "--ticks", "1"], in: org.directory + "/copy")
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func importWithoutAFolderCreatesOneNamedAfterTheOrg() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["export", "../acme.zip"]).status == 0)
        let elsewhere = try temporaryDirectory()
        defer { try? FileSystem.removeTree(elsewhere) }
        try FileSystem.writeAtomically(try FileSystem.read(org.directory + "/acme.zip"), to: elsewhere + "/acme.zip")
        let imported = try Lemming.run(["import", "acme.zip", "--json"], in: elsewhere)
        #expect(imported.status == 0, "\(imported.stderr)")
        let summary = try JSONValue.parse(imported.stdout)
        #expect(summary["root"]?.stringValue == elsewhere + "/acme")
        #expect(summary["kind"] == "org")
        #expect(try Self.files(elsewhere + "/acme") == Self.files(org.root))
        // A second import into the same folder needs --force, and replaces it.
        let again = try Lemming.run(["import", "acme.zip"], in: elsewhere)
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("error: ") && again.stderr.contains("--force"), "\(again.stderr)")
        let forced = try Lemming.run(["import", "acme.zip", "--force"], in: elsewhere)
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test func anAgentIsExportedAndImportedBack() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "2"]).status == 0)
        let exported = try org.lemming(["export", "../coder.zip", "--agent", "coder", "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try JSONValue.parse(exported.stdout)["agent"] == "coder")
        let before = try Self.files(org.root)
        let refused = try org.lemming(["import", "../coder.zip"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: \(org.root): agents/coder already exists; pass --force to replace it\n")
        let replaced = try org.lemming(["import", "../coder.zip", "--force"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.hasPrefix("imported agent 'coder' into \(org.root): "), "\(replaced.stdout)")
        #expect(try Self.files(org.root) == before)
    }

    @Test func exportIsRefusedWhileAnEngineRuns() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 60])
        defer { org.remove() }
        let engine = try await org.startEngine()
        defer { engine.stop() }
        let result = try org.lemming(["export", "../acme.zip"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("an engine is running on this org"), "\(result.stderr)")
        #expect(!FileSystem.exists(org.directory + "/acme.zip"))
    }

    /// Hostile archives: each is refused with one line, and the folder around the target is
    /// exactly as it was (no file written, no temporary folder left, nothing outside touched).
    @Test(arguments: ["zip-slip", "absolute", "symlink", "device", "bomb", "unlisted", "invalid-resume"])
    func aHostileArchiveChangesNothingOutsideItsTarget(kind: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeAtomically(Array("mine\n".utf8), to: directory + "/victim.txt")
        let files: [String: [UInt8]] = [
            "lemming.json": Array(#"{"format": 1, "name": "evil"}"#.utf8),
            "models.json": Array(#"{"sim": {"provider": "scripted"}}"#.utf8),
            "agents/a/resume.json": TestArchive.resume("a"),
            "shared/notes.md": Array("hello\n".utf8),
        ]
        var archive = TestArchive.org(files, name: "evil")
        var patch: (String) throws -> Void = { _ in }
        switch kind {
        case "zip-slip": archive.entries.append(.init(name: "org/../victim.txt", content: Array("pwned".utf8)))
        case "absolute": archive.entries.append(.init(name: directory + "/victim.txt", content: Array("pwned".utf8)))
        case "symlink":
            archive.entries.insert(
                .init(name: "org/shared/link", type: .symbolicLink, content: Array(directory.utf8)), at: 0)
            archive.entries.append(.init(name: "org/shared/link/victim.txt", content: Array("pwned".utf8)))
        case "device": patch = { try TestArchive.patch($0, entry: "org/shared/notes.md", mode: 0o020644) }
        case "bomb":
            archive = TestArchive.org(files.merging(["shared/bomb": [UInt8](repeating: 0, count: 8 << 20)]) { $1 })
            if let index = archive.manifest?.files.firstIndex(where: { $0.path == "shared/bomb" }) {
                archive.manifest?.files[index].size = 10
            }
            patch = { try TestArchive.patch($0, entry: "org/shared/bomb", declaredSize: 10) }
        case "unlisted":
            archive.entries.append(.init(name: "org/agents/b/resume.json", content: TestArchive.resume("b")))
        default:
            let index = archive.entries.firstIndex { $0.name == "org/agents/a/resume.json" } ?? 0
            archive.entries[index].content = Array(#"{"name": "a"}"#.utf8)
            let listed = archive.manifest?.files.firstIndex { $0.path == "agents/a/resume.json" } ?? 0
            archive.manifest?.files[listed] = .init(
                path: "agents/a/resume.json", content: archive.entries[index].content)
        }
        try archive.write(to: directory + "/evil.zip")
        try patch(directory + "/evil.zip")
        let before = try Self.tree(directory)
        for arguments in [["import", "evil.zip", "target"], ["import", "evil.zip"]] {
            let result = try Lemming.run(arguments, in: directory)
            #expect(result.status == 1, "\(kind): \(result.stdout)")
            #expect(result.stderr.hasPrefix("error: ") && lines(result.stderr).count == 1, "\(kind): \(result.stderr)")
            #expect(try Self.tree(directory) == before, "\(kind)")
        }
    }

    /// Hostile agent archives aimed at an org: the org is exactly as it was.
    @Test(arguments: ["zip-slip", "other-agent", "org-settings", "journal"])
    func aHostileAgentArchiveChangesNothingInTheOrg(kind: String) throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        var archive = TestArchive.agent("spy", in: "acme", ["agents/spy/resume.json": TestArchive.resume("spy")])
        let (name, path): (String, String) =
            switch kind {
            case "zip-slip": ("org/agents/spy/../coder/resume.json", "agents/spy/../coder/resume.json")
            case "other-agent": ("org/agents/coder/resume.json", "agents/coder/resume.json")
            case "org-settings": ("org/lemming.json", "lemming.json")
            default: ("org/state/journal/journal.log", "state/journal/journal.log")
            }
        archive.entries.append(.init(name: name, content: Array("planted".utf8)))
        archive.manifest?.files.append(.init(path: path, content: Array("planted".utf8)))
        try archive.write(to: org.directory + "/spy.zip")
        let before = try Self.tree(org.directory)
        let result = try org.lemming(["import", "../spy.zip", "--force"])
        #expect(result.status == 1, "\(kind): \(result.stdout)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains("refusing"), "\(kind): \(result.stderr)")
        #expect(try Self.tree(org.directory) == before, "\(kind)")
    }

    @Test func limitsAreFlags() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["export", "../acme.zip"]).status == 0)
        let small = try Lemming.run(["import", "acme.zip", "copy", "--max-bytes", "1K"], in: org.directory)
        #expect(small.status == 1)
        #expect(small.stderr.contains("limit of 1024 bytes"), "\(small.stderr)")
        let few = try Lemming.run(["import", "acme.zip", "copy", "--max-entries", "3"], in: org.directory)
        #expect(few.status == 1)
        #expect(few.stderr.contains("more than the limit of 3"), "\(few.stderr)")
        let bad = try Lemming.run(["import", "acme.zip", "copy", "--max-bytes", "lots"], in: org.directory)
        #expect(bad.status == 64)
        #expect(!FileSystem.exists(org.directory + "/copy"))
    }
}
