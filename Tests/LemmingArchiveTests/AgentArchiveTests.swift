import LemmingArchive
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// One agent exported from an org and imported into another.
@Suite(.timeLimit(.minutes(2)))
struct AgentArchiveTests {
    /// The paths of agent `a`'s folders, relative to an org.
    static let agentFolders = ["agents/a", "archive/outbox/a"]

    /// The files of `a` in the org at `root`.
    static func agentFiles(_ root: String, excluding excluded: [String] = []) throws -> [String: [UInt8]] {
        try fileTree(root, excluding: excluded).filter { path, _ in
            agentFolders.contains { path.hasPrefix($0 + "/") }
        }
    }

    /// An org of agent `c` alone that has run `ticks` ticks.
    static func otherOrg(ticks: Int) async throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(agents: [TestAgent("c")])
        try await org.run(ticks: ticks)
        return org
    }

    @Test func anAgentMovesToAnotherOrgWithItsHistory() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 4)
        defer { source.remove() }
        let target = try await Self.otherOrg(ticks: 5)
        defer { target.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let before = try fileTree(target.root)
        let summary = try ArchiveExporter.export(
            org: source.root, to: scratch.archive, configuration: .init(agent: "a", includeWorkspaces: true))
        #expect(summary.manifest.agent == "a")
        #expect(
            summary.manifest.files.allSatisfy {
                $0.path.hasPrefix("agents/a/") || $0.path.hasPrefix("archive/outbox/a/")
            })
        #expect(summary.manifest.files.contains { $0.path == "agents/a/logs/turns.jsonl" })
        _ = try ArchiveImporter(file: scratch.archive).importAgent(into: target.root)
        #expect(try Self.agentFiles(target.root) == Self.agentFiles(source.root))
        // Nothing else of the target changed.
        let after = try fileTree(target.root, excluding: Self.agentFolders)
        #expect(after.filter { !["archive/", "archive/outbox/"].contains($0.key) } == before)
        // It takes part in the next tick.
        let reports = try await target.run(ticks: 1)
        #expect(reports.first?.turns.contains { $0.agent == "a" } == true)
    }

    @Test func historyAheadOfTheOrgIsRefusedUnlessLeftOut() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 4)
        defer { source.remove() }
        let target = try await Self.otherOrg(ticks: 2)
        defer { target.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(agent: "a"))
        let before = try fileTree(target.root)
        let error = #expect(throws: LemmingError.self) {
            try ArchiveImporter(file: scratch.archive).importAgent(into: target.root)
        }
        #expect(error?.code == .conflict)
        #expect(error?.description.contains("--without-history") == true)
        #expect(try fileTree(target.root) == before)
        _ = try ArchiveImporter(file: scratch.archive, configuration: .init(withoutHistory: true))
            .importAgent(into: target.root)
        #expect(try FileSystem.read(target.paths.resume("a")) == FileSystem.read(source.paths.resume("a")))
        #expect(try FileSystem.list(target.paths.memory("a")) == ["seen.json"])
        #expect(try FileSystem.list(target.paths.outbox("a")) == [])
        #expect(!FileSystem.exists(target.paths.turns("a")))
        #expect(!FileSystem.exists(target.paths.archivedOutbox("a")))
    }

    @Test func anExistingAgentIsReplacedOnlyWithForce() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 3)
        defer { source.remove() }
        let target = try TemporaryOrg.make(agents: [TestAgent("a", extra: ["title": "Mine"])])
        defer { target.remove() }
        try await target.run(ticks: 6)
        let scratch = try Scratch()
        defer { scratch.remove() }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(agent: "a"))
        let before = try fileTree(target.root)
        let error = #expect(throws: LemmingError.self) {
            try ArchiveImporter(file: scratch.archive).importAgent(into: target.root)
        }
        #expect(error?.code == .conflict)
        #expect(try fileTree(target.root) == before)
        _ = try ArchiveImporter(file: scratch.archive, configuration: .init(force: true)).importAgent(into: target.root)
        let workspace = ["agents/a/workspace"]
        #expect(
            try Self.agentFiles(target.root, excluding: workspace) == Self.agentFiles(source.root, excluding: workspace)
        )
        #expect(try (FileSystem.list(target.root) ?? []).contains { $0.hasPrefix(".") } == false)
    }

    @Test func anAgentWhoseResumeDoesNotValidateInTheOrgIsRefused() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 1)
        defer { source.remove() }
        // The target's registry has no model `sim`.
        let target = try TemporaryOrg.make(
            agents: [TestAgent("c", model: "other")], models: ["other": ["provider": "scripted"]])
        defer { target.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(agent: "a"))
        let before = try fileTree(target.root)
        let error = #expect(throws: LemmingError.self) {
            try ArchiveImporter(file: scratch.archive, configuration: .init(withoutHistory: true))
                .importAgent(into: target.root)
        }
        #expect(error?.code == .invalidFile)
        #expect(error?.description.contains("model.key") == true)
        #expect(try fileTree(target.root) == before)
    }

    @Test func importIsRefusedWhileAnEngineHoldsTheLock() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 1)
        defer { source.remove() }
        let target = try await Self.otherOrg(ticks: 3)
        defer { target.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(agent: "a"))
        let lock = try #require(try FileLock.tryAcquire(target.paths.lock))
        defer { lock.release() }
        let error = #expect(throws: LemmingError.self) {
            try ArchiveImporter(file: scratch.archive).importAgent(into: target.root)
        }
        #expect(error?.code == .locked)
        #expect(!FileSystem.exists(target.paths.agent("a")))
    }

    @Test func anArchiveOfOneKindIsNotImportedAsTheOther() async throws {
        let source = try await ArchiveRoundTripTests.busyOrg(ticks: 1)
        defer { source.remove() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(agent: "a"))
        #expect(throws: LemmingError.self) {
            try ArchiveImporter(file: scratch.archive).importOrg(into: scratch.target)
        }
        try ArchiveExporter.export(org: source.root, to: scratch.archive, configuration: .init(overwrite: true))
        #expect(throws: LemmingError.self) { try ArchiveImporter(file: scratch.archive).importAgent(into: source.root) }
        #expect(!FileSystem.exists(scratch.target))
    }
}
