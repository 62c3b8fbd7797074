import Foundation
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

/// The state history (issue 15) and what is made from it: the org as it was after any tick
/// (fork), a backup while an engine runs, and a replay that reproduces the run or says where it
/// first differs. The org is RecoveryTests' (three agents, archiving after 3 ticks, a budget
/// that runs out), so entries are archived and agents stop along the way.
@Suite(.timeLimit(.minutes(2))) struct StateHistoryTests {
    static func org() async throws -> TemporaryOrg {
        let org = try RecoveryTests.org()
        try await send(org, to: ["manager"], "Ship it.")
        return org
    }

    /// The org's files as a run's outcome: without the event log, the event counter, and the
    /// lock and journal an engine leaves (a copy has neither).
    static func outcome(_ org: TemporaryOrg) throws -> [String: [UInt8]] {
        try normalised(org.files(excluding: ["logs", "state/engine.lock", "state/journal"]))
    }

    static func expectSame(_ actual: [String: [UInt8]], _ expected: [String: [UInt8]], _ label: String) {
        #expect(actual.keys.sorted() == expected.keys.sorted(), "\(label): other files")
        for (path, bytes) in expected where actual[path] != bytes {
            Issue.record("\(label): \(path) differs")
        }
    }

    @Test func theHistoryMakesTheOrgAsItWasAfterEveryTick() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        var after: [Int: [String: [UInt8]]] = [:]
        for tick in 1...6 {
            try await run(reference, ticks: 1)
            after[tick] = try Self.outcome(reference)
        }
        // Archived entries, a memory file per agent, and an agent out of budget along the way.
        #expect(after[6]?.keys.contains { $0.hasPrefix("archive/") } == true)
        // (After tick 0 the human's message, sent for tick 1, is not there yet: from tick 1 on.)
        for tick in 1...6 {
            let fork = NSTemporaryDirectory() + "lemming-fork-" + UUID().uuidString
            defer { try? FileSystem.removeTree(fork) }
            let made = try OrgCopy.fork(reference.paths, at: tick, into: fork)
            #expect(made.tick == tick)
            let forked = try Self.outcome(TemporaryOrg(root: fork))
            // The history of the fork ends where the original's was then.
            Self.expectSame(forked, try #require(after[tick]), "fork at \(tick)")
        }
    }

    @Test func aForkRunToTheEndEqualsTheOriginal() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 6)
        let fork = TemporaryOrg(root: NSTemporaryDirectory() + "lemming-fork-" + UUID().uuidString)
        defer { fork.remove() }
        _ = try OrgCopy.fork(reference.paths, at: 2, into: fork.root)
        try await run(fork, ticks: 4)
        Self.expectSame(try Self.outcome(fork), try Self.outcome(reference), "fork at 2, run to 6")
    }

    @Test func aForkRefusesTicksTheHistoryDoesNotHoldAndTargetsInUse() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 2)
        let target = NSTemporaryDirectory() + "lemming-fork-" + UUID().uuidString
        defer { try? FileSystem.removeTree(target) }
        #expect(throws: LemmingError.self) { try OrgCopy.fork(reference.paths, at: 3, into: target) }
        #expect(throws: LemmingError.self) { try OrgCopy.fork(reference.paths, at: -1, into: target) }
        try FileSystem.makeDirectory(target)
        try FileSystem.writeAtomically([0x61], to: target + "/keep.txt")
        #expect(throws: LemmingError.self) { try OrgCopy.fork(reference.paths, at: 1, into: target) }
        #expect(try FileSystem.read(target + "/keep.txt") == [0x61])
    }

    @Test func aBackupWhileAnEngineRunsContinuesLikeTheOriginal() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        let backup = TemporaryOrg(root: NSTemporaryDirectory() + "lemming-backup-" + UUID().uuidString)
        defer { backup.remove() }
        let engine = try await reference.engine()
        for _ in 1...3 { _ = try await engine.runTick() }
        // The engine holds the org: the backup is as of the commit before its last.
        let made = try OrgCopy.backup(reference.paths, into: backup.root)
        #expect(made.engineWasRunning)
        #expect(made.tick == 2)
        for _ in 4...5 { _ = try await engine.runTick() }
        await engine.close()
        try await run(backup, ticks: 3)
        Self.expectSame(try Self.outcome(backup), try Self.outcome(reference), "backup at 2, run to 5")
        // Without an engine, a backup is as of the last tick.
        let second = NSTemporaryDirectory() + "lemming-backup-" + UUID().uuidString
        defer { try? FileSystem.removeTree(second) }
        #expect(try OrgCopy.backup(reference.paths, into: second) == OrgCopy.Made(tick: 5, engineWasRunning: false))
    }

    @Test func aRestorePutsABackupInPlaceAndKeepsWhatWasThere() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 2)
        let backup = NSTemporaryDirectory() + "lemming-backup-" + UUID().uuidString
        defer { try? FileSystem.removeTree(backup) }
        _ = try OrgCopy.backup(reference.paths, into: backup)
        try await run(reference, ticks: 2)
        #expect(throws: LemmingError.self) {
            try OrgCopy.restore(backup, into: reference.root, replacing: false, now: "2026-11-30T12:00:00Z")
        }
        let aside = try OrgCopy.restore(backup, into: reference.root, replacing: true, now: "2026-11-30T12:00:00Z")
        defer { if let aside { try? FileSystem.removeTree(aside) } }
        #expect(aside == reference.root + ".before-restore-20261130120000")
        #expect(try StateHistoryFile.read(reference.paths).lastTick == 2)
        #expect(try aside.map { try StateHistoryFile.read(OrgPaths(root: $0)).lastTick } == 4)
    }

    @Test func aReplayReproducesTheRunByteForByte() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 5)
        let before = try reference.files()
        let scratch = NSTemporaryDirectory() + "lemming-replay-" + UUID().uuidString
        defer { try? FileSystem.removeTree(scratch) }
        let report = try await OrgReplay.run(reference.paths, from: nil, to: nil, tools: NoTools(), scratch: scratch)
        #expect(report.divergence == nil, "\(String(describing: report.divergence))")
        #expect(report.isExact)
        #expect(report.from == 1 && report.to == 5 && report.turns > 5)
        // The org itself is not touched.
        #expect(try reference.files() == before)
    }

    @Test func aReplayNamesTheFirstTickAnEditedResumeChanges() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 4)
        var resume = try #require(try reference.readJSON("agents/coder/resume.json")?.objectValue)
        resume["instructions"] = .string("Answer in French.")
        try reference.write("agents/coder/resume.json", .object(resume))
        let scratch = NSTemporaryDirectory() + "lemming-replay-" + UUID().uuidString
        defer { try? FileSystem.removeTree(scratch) }
        let report = try await OrgReplay.run(reference.paths, from: 2, to: 4, tools: NoTools(), scratch: scratch)
        let divergence = try #require(report.divergence)
        let firstCoderTurn = try #require(
            try reference.turnRecords(of: "coder").compactMap { $0["tick"]?.intValue }.first { $0 >= 2 })
        #expect(divergence.tick == firstCoderTurn)
        #expect(divergence.agent == "coder")
        #expect(divergence.file == "agents/coder/logs/turns.jsonl")
        #expect(divergence.location.hasPrefix("request.messages[0].content"))
        #expect(divergence.actual.contains("Answer in French."))
    }

    @Test func startingAndStoppingAnEngineAddsNoHistory() async throws {
        let reference = try await Self.org()
        defer { reference.remove() }
        try await run(reference, ticks: 2)
        let lines = try StateHistoryFile.read(reference.paths).lines
        #expect(lines.first?.isBase == true)
        #expect(lines.filter { $0.label == "tick" }.map(\.tick) == [1, 2])
        let engine = try await reference.engine()
        await engine.close()
        #expect(try StateHistoryFile.read(reference.paths).lines.count == lines.count)
        // A tick's line holds deltas: the ledger only of the agents whose accounts changed.
        let tick2 = try #require(lines.last { $0.label == "tick" })
        #expect(
            tick2.value["ledger"]?.objectValue?.keys.allSatisfy { ["manager", "planner", "coder"].contains($0) } == true
        )
        #expect(tick2.value["resumes"] == nil)
    }
}
