import Foundation
import LemmingCore
import LemmingTesting
import Testing

@testable import LemmingTools

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11 item 1 (file tools): a folder swapped for a symlink between the checks and the write
/// cannot redirect the write, and issue 11 item 14: temporary files a crash leaves are removed.
@Suite struct FileRaceTests {
    /// The workspace's `notes/` is moved away and replaced by a symlink to a folder outside,
    /// after the write's checks and before its bytes land.
    @Test(arguments: [false, true]) func aFolderSwappedForASymlinkMidWriteCannotRedirectIt(appending: Bool) throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        let org = try TemporaryOrg.make(agents: [toolAgent("a", tools: ["file_write"])])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace + "/notes")
        let location = try Sandbox(org: org.paths, agent: "a").resolve("notes/plan.txt")
        var swapped = false
        _ = try SandboxFiles.write(
            Array("planted\n".utf8), to: location, appending: appending, limits: ToolSettings().files
        ) {
            swapped =
                rename(workspace + "/notes", workspace + "/moved") == 0 && symlink(outside, workspace + "/notes") == 0
        }
        #expect(swapped)
        #expect(try FileSystem.list(outside) == [], "the write followed the swapped-in symlink")
        #expect(try FileSystem.read(workspace + "/moved/plan.txt") == Array("planted\n".utf8))
    }

    /// A symlink in place before the call is refused, for reads and writes, at any depth.
    @Test func symlinksInAPathAreRefused() throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        try FileSystem.writeAtomically(Array("TOP SECRET\n".utf8), to: outside + "/secret.txt")
        let org = try TemporaryOrg.make(agents: [toolAgent("a", tools: ["file_write"])])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace + "/deep/er")
        #expect(symlink(outside, workspace + "/deep/er/link") == 0)
        let sandbox = Sandbox(org: org.paths, agent: "a")
        for path in ["deep/er/link/secret.txt", "deep/er/link"] {
            let location = try sandbox.resolve(path)
            #expect(throws: ToolFailure.self) { try SandboxFiles.read(location, offset: 0, limit: 100) }
        }
        let target = try sandbox.resolve("deep/er/link/new.txt")
        #expect(throws: ToolFailure.self) {
            try SandboxFiles.write([0x41], to: target, appending: false, limits: ToolSettings().files)
        }
        #expect(try FileSystem.list(outside) == ["secret.txt"])
    }

    /// Leftovers of a writer that is gone are removed; anything else named like one is kept.
    @Test func temporaryFilesACrashLeftAreRemoved() throws {
        let org = try TemporaryOrg.make(agents: [toolAgent("a", tools: ["file_read"])])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace + "/notes")
        try FileSystem.makeDirectory(org.paths.shared)
        let gone = try Self.pidOfAFinishedProcess()
        let leftovers = [
            workspace + "/.lemming-partial-\(gone)-1.tmp", workspace + "/notes/.lemming-partial-\(gone)-7.tmp",
            org.paths.shared + "/.lemming-partial-\(gone)-2.tmp",
        ]
        let kept = [
            workspace + "/.lemming-partial-\(getpid())-3.tmp",  // a live writer's
            workspace + "/.lemming-partial-notes.tmp",  // an agent's own file
            workspace + "/notes.txt",
        ]
        for path in leftovers + kept { try FileSystem.writeAtomically([0x78], to: path) }
        #expect(symlink(org.paths.config, workspace + "/.lemming-partial-\(gone)-9.tmp") == 0)

        #expect(PartialWrite.removeLeftovers(in: org.paths) == 3)
        for path in leftovers { #expect(!FileSystem.exists(path), "\(path) was kept") }
        for path in kept { #expect(FileSystem.exists(path), "\(path) was removed") }
        var status = stat()
        #expect(lstat(workspace + "/.lemming-partial-\(gone)-9.tmp", &status) == 0, "a symlink was removed")
        #expect(FileSystem.exists(org.paths.config))
    }

    /// The file tools sweep a root the first time they use it, so no engine wiring is needed.
    @Test func theFileToolsSweepARootOnFirstUse() throws {
        let org = try TemporaryOrg.make(agents: [toolAgent("a", tools: ["file_read"])])
        defer { org.remove() }
        try FileSystem.makeDirectory(org.paths.shared)
        let leftover = org.paths.shared + "/.lemming-partial-\(try Self.pidOfAFinishedProcess())-1.tmp"
        try FileSystem.writeAtomically([0x78], to: leftover)
        _ = try Sandbox(org: org.paths, agent: "a").resolve("shared/plan.md")
        #expect(!FileSystem.exists(leftover))
    }

    static func pidOfAFinishedProcess() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
