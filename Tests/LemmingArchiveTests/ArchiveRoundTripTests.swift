import Foundation
import LemmingArchive
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// Export → import on orgs that ran: the files come back byte for byte.
@Suite(.timeLimit(.minutes(2)))
struct ArchiveRoundTripTests {
    /// What an export leaves out by design: never compared.
    static let leftOut = ["state/engine.lock", "state/journal", "state/providers.json"]

    /// Agents `a` and `b` talking for `ticks` ticks, with memory, turn records, archived entries
    /// (retention 2 ticks) and workspace files.
    static func busyOrg(ticks: Int, script: Int? = nil) async throws -> TemporaryOrg {
        var lines: [ScriptLine] = []
        for tick in 1...(script ?? ticks) {
            for (agent, other) in [("a", "b"), ("b", "a")] {
                lines.append(
                    ScriptLine(
                        agent, tick: tick,
                        [
                            "outbox_entries": [
                                [
                                    "kind": "message", "payload": ["text": .string("\(agent) at \(tick)")],
                                    "to": .string(other),
                                ]
                            ],
                            "memory_updates": [["key": "seen", "op": "set", "value": .int(tick)]],
                        ]))
            }
        }
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["b"]), TestAgent("b", reads: ["a"])], replies: lines,
            config: ["outbox_retention_ticks": 2])
        try await org.run(ticks: ticks)
        try org.writeBytes("agents/a/workspace/notes.md", Array("# notes\n".utf8))
        try org.writeBytes("agents/a/workspace/deep/er/tool.sh", Array("#!/bin/sh\necho hi\n".utf8))
        chmod(org.paths.absolute("agents/a/workspace/deep/er/tool.sh"), 0o755)
        try org.writeBytes("shared/plan.md", Array("ship it\n".utf8))
        return org
    }

    @Test func aWholeOrgRoundTripsByteForByte() async throws {
        let org = try await Self.busyOrg(ticks: 5)
        defer { org.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(try FileSystem.list(org.paths.archiveOutboxes + "/a")?.isEmpty == false)
        let summary = try ArchiveExporter.export(
            org: org.root, to: scratch.archive,
            configuration: .init(includeWorkspaces: true, clock: TemporaryOrg.fixedClock))
        #expect(summary.manifest.tick == 5)
        #expect(summary.manifest.skipped.isEmpty)
        let imported = try ArchiveImporter(file: scratch.archive).importOrg(into: scratch.target)
        #expect(imported.files == summary.manifest.files.count)
        #expect(try fileTree(scratch.target) == fileTree(org.root, excluding: Self.leftOut))
        // The execute bit of a workspace tool survives.
        let tool = scratch.target + "/agents/a/workspace/deep/er/tool.sh"
        #expect(FileManager.default.isExecutableFile(atPath: tool))
    }

    @Test func theImportedOrgContinuesLikeTheOriginal() async throws {
        let org = try await Self.busyOrg(ticks: 6)
        defer { org.remove() }
        let first = try await Self.busyOrg(ticks: 3, script: 6)
        defer { first.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The same run, exported after 3 ticks and continued in the copy for 3 more.
        try ArchiveExporter.export(org: first.root, to: scratch.archive, configuration: .init(includeWorkspaces: true))
        _ = try ArchiveImporter(file: scratch.archive).importOrg(into: scratch.target)
        let copy = TemporaryOrg(root: scratch.target)
        try await copy.run(ticks: 3)
        // The engine's own log and event counter tell two sessions from one; the rest is equal.
        let compared = Self.leftOut + ["logs"]
        #expect(
            try normalised(fileTree(copy.root, excluding: compared))
                == normalised(fileTree(org.root, excluding: compared)))
    }

    @Test func withoutWorkspacesTheirFoldersStayEmpty() async throws {
        let org = try await Self.busyOrg(ticks: 2)
        defer { org.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let summary = try ArchiveExporter.export(org: org.root, to: scratch.archive, configuration: .init())
        #expect(!summary.manifest.files.contains { $0.path.contains("workspace/") || $0.path.hasPrefix("shared/") })
        _ = try ArchiveImporter(file: scratch.archive).importOrg(into: scratch.target)
        #expect(try FileSystem.list(scratch.target + "/agents/a/workspace") == [])
        #expect(try FileSystem.list(scratch.target + "/shared") == [])
        let compared = Self.leftOut + ["agents/a/workspace", "agents/b/workspace", "shared"]
        #expect(try fileTree(scratch.target, excluding: compared) == fileTree(org.root, excluding: compared))
    }

    @Test func derivedAndMachineLocalFilesAreLeftOutAndLinksListed() async throws {
        let org = try await Self.busyOrg(ticks: 2)
        defer { org.remove() }
        try org.writeBytes("state/search.sqlite", Array("index".utf8))
        try org.writeBytes("state/providers.json", Array("{}".utf8))
        try org.writeBytes("state/.ledger.json.1-1.tmp", Array("half".utf8))
        try FileManager.default.createSymbolicLink(
            atPath: org.paths.absolute("agents/a/workspace/etc"), withDestinationPath: "/etc")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let summary = try ArchiveExporter.export(
            org: org.root, to: scratch.archive, configuration: .init(includeWorkspaces: true))
        let paths = Set(summary.manifest.files.map(\.path))
        for leftOut in [
            "state/search.sqlite", "state/providers.json", "state/engine.lock", "state/.ledger.json.1-1.tmp",
        ] {
            #expect(!paths.contains(leftOut), "\(leftOut)")
        }
        #expect(!summary.manifest.directories.contains("state/journal"))
        #expect(paths.contains("state/ledger.json") && paths.contains("state/cursors.json"))
        #expect(summary.manifest.skipped == [.init(path: "agents/a/workspace/etc", reason: "a symbolic link")])
    }

    @Test func exportIsRefusedWhileAnEngineHoldsTheLock() async throws {
        let org = try await Self.busyOrg(ticks: 1)
        defer { org.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let lock = try #require(try FileLock.tryAcquire(org.paths.lock))
        defer { lock.release() }
        let error = #expect(throws: LemmingError.self) {
            try ArchiveExporter.export(org: org.root, to: scratch.archive, configuration: .init())
        }
        #expect(error?.code == .locked)
        #expect(try FileSystem.list(scratch.root) == [])
    }

    /// A crash after the journal record was synced but before its files were written: the export
    /// holds the committed tick (the record applied), like the engine would after recovery.
    @Test func exportAppliesACommitACrashLeftInTheJournal() async throws {
        let org = try await Self.busyOrg(ticks: 2, script: 3)
        defer { org.remove() }
        let engine = try await org.engine()
        await engine.setCrashPoint { step in
            if case .journalWritten(tick: 3, _) = step { throw CancellationError() }
        }
        _ = try? await engine.runTick()
        await engine.close()
        #expect(try org.readJSON("state/tick.json")?["last_committed_tick"]?.intValue == 2)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let summary = try ArchiveExporter.export(org: org.root, to: scratch.archive, configuration: .init())
        #expect(summary.manifest.tick == 3)
        #expect(summary.manifest.files.contains { $0.path == "agents/a/outbox/00000003-a-01.json" })
    }

    @Test func anExistingArchiveIsReplacedOnlyWhenAsked() async throws {
        let org = try await Self.busyOrg(ticks: 1)
        defer { org.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileSystem.writeAtomically(Array("keep".utf8), to: scratch.archive)
        let error = #expect(throws: LemmingError.self) {
            try ArchiveExporter.export(org: org.root, to: scratch.archive, configuration: .init())
        }
        #expect(error?.code == .conflict)
        #expect(try FileSystem.read(scratch.archive) == Array("keep".utf8))
        try ArchiveExporter.export(org: org.root, to: scratch.archive, configuration: .init(overwrite: true))
        #expect(try ArchiveImporter(file: scratch.archive).manifest.org == "test")
    }

    @Test func exportsAreByteIdenticalWithAFixedClock() async throws {
        let org = try await Self.busyOrg(ticks: 2)
        defer { org.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let configuration = ArchiveExporter.Configuration(includeWorkspaces: true, clock: TemporaryOrg.fixedClock)
        try ArchiveExporter.export(org: org.root, to: scratch.root + "/1.zip", configuration: configuration)
        try ArchiveExporter.export(org: org.root, to: scratch.root + "/2.zip", configuration: configuration)
        #expect(try FileSystem.read(scratch.root + "/1.zip") == FileSystem.read(scratch.root + "/2.zip"))
    }
}

/// `files` without the event counter of `state/tick.json`, which counts engine sessions too.
func normalised(_ files: [String: [UInt8]]) throws -> [String: [UInt8]] {
    var files = files
    if let tick = files["state/tick.json"], var object = try JSONValue.parse(tick).objectValue {
        object["next_event_seq"] = nil
        files["state/tick.json"] = JSONWriter().bytes(.object(object))
    }
    return files
}
