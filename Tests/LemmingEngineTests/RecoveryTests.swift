import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

@testable import LemmingCore

struct SimulatedCrash: Error {}

@Suite(.timeLimit(.minutes(2))) struct RecoveryTests {
    /// Runs `org` to `ticks` ticks back to back (each tick's files are written while the next one
    /// runs), crashing once at `step` of a commit, then restarting.
    static func runWithCrash(
        _ org: TemporaryOrg, ticks: Int, step: FileOrgStore.CommitStep
    ) async throws -> Bool {
        let engine = try await org.engine(writesFilesBehind: true)
        await engine.setCrashPoint { current in
            if current == step { throw SimulatedCrash() }
        }
        var crashed = false
        while await engine.nextTick <= ticks {
            do {
                _ = try await engine.runTick()
            } catch is SimulatedCrash {
                crashed = true
                break
            }
        }
        if !crashed {
            do {
                try await engine.flush()
            } catch is SimulatedCrash {
                crashed = true
            }
        }
        await engine.close()
        guard crashed else { return false }
        let restarted = try await org.engine()
        while await restarted.nextTick <= ticks { _ = try await restarted.runTick() }
        await restarted.close()
        return true
    }

    static func org() throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("manager", reads: ["human", "planner", "coder"], maxCredits: 1, softCap: 0.999),
                TestAgent("planner", reads: ["manager"]), TestAgent("coder", reads: ["manager", "planner"]),
            ], config: ["outbox_retention_ticks": 3, "checkpoint_every_ticks": 2])
        return org
    }

    @Test func aCrashAtAnyStepOfACommitRecoversToTheUninterruptedResult() async throws {
        let reference = try Self.org()
        defer { reference.remove() }
        try await send(reference, to: ["manager"], "Please plan and build the release notes.")
        let template = try reference.copy()
        defer { template.remove() }
        try await run(reference, ticks: 6)
        let expected = try normalised(reference.files(excluding: ["logs"]))

        // Count the operations of tick 2's commit in a probe run.
        let probe = try template.copy()
        defer { probe.remove() }
        let counter = OperationCounter()
        let engine = try await probe.engine()
        _ = try await engine.runTick()
        await engine.setCrashPoint { step in
            if case .journalWritten(2, let operations) = step { counter.set(operations) }
        }
        _ = try await engine.runTick()
        await engine.close()
        let operations = counter.value
        #expect(operations > 10)

        var steps: [FileOrgStore.CommitStep] = [
            .beforeJournal(tick: 2), .journalWritten(tick: 2, operations: operations),
        ]
        steps += (0..<operations).map { FileOrgStore.CommitStep.applied(tick: 2, operation: $0) }
        for step in steps {
            let org = try template.copy()
            defer { org.remove() }
            let crashed = try await Self.runWithCrash(org, ticks: 6, step: step)
            #expect(crashed, "no crash at \(step)")
            let files = try normalised(org.files(excluding: ["logs"]))
            #expect(files.keys.sorted() == expected.keys.sorted(), "files differ after a crash at \(step)")
            for (path, bytes) in expected where files[path] != bytes {
                Issue.record("\(path) differs after a crash at \(step)")
            }
            #expect(try org.turnRecords(of: "manager").count == 6)
        }
    }
}

/// The files with `next_event_seq` removed from `state/tick.json`: a restart publishes events of
/// its own (`engine_started`, `recovered`), so event numbering is the one thing a crash changes.
func normalised(_ files: [String: [UInt8]]) throws -> [String: [UInt8]] {
    var files = files
    if let tick = files["state/tick.json"], var object = try JSONValue.parse(tick).objectValue {
        object["next_event_seq"] = nil
        files["state/tick.json"] = JSONWriter().bytes(.object(object))
    }
    return files
}

final class OperationCounter: Sendable {
    private let storage = Mutex(0)
    var value: Int { storage.withLock { $0 } }
    func set(_ count: Int) { storage.withLock { $0 = count } }
}
