import LemmingJSON
import LemmingTesting
import LemmingTools
import Synchronization
import Testing

@testable import LemmingCore

private struct SimulatedCrash: Error {}

/// A tick whose tools create an agent and write memory commits all of it or none of it.
@Suite(.timeLimit(.minutes(2))) struct ToolRecoveryTests {
    static func org() throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("boss", tools: ["create_agent", "memory_write"], createAgents: true, maxCredits: 50)],
            replies: [
                calls(
                    "boss", tick: 1,
                    [
                        call("create_agent", ["name": "helper", "template": "helper", "credits": 10]),
                        call("memory_write", ["key": "team", "value": ["helper"]]),
                    ]),
                ScriptLine.message("helper", tick: 2, "ready", to: ["boss"]),
            ])
        var template = toolAgent("helper", tools: [], reads: ["boss"]).resume
        if case .object(var object) = template {
            object["name"] = nil
            template = .object(object)
        }
        try org.write("templates/helper/resume.json", template)
        return org
    }

    static func engine(_ org: TemporaryOrg) async throws -> Engine {
        try await org.engine(tools: BuiltinToolFactory(environment: testEnvironment))
    }

    @Test func aCrashAtAnyStepOfTheCommitLosesNothingTheToolsDid() async throws {
        let reference = try Self.org()
        defer { reference.remove() }
        let template = try reference.copy()
        defer { template.remove() }
        try await runWithTools(reference, ticks: 3)
        let expected = try normalised(reference.files(excluding: ["logs"]))
        #expect(expected["agents/helper/resume.json"] != nil)
        #expect(expected["agents/boss/memory/team.json"] != nil)

        // Count the operations of tick 1's commit.
        let probe = try template.copy()
        defer { probe.remove() }
        let operations = Mutex(0)
        let engine = try await Self.engine(probe)
        await engine.setCrashPoint { step in
            if case .journalWritten(1, let count) = step { operations.withLock { $0 = count } }
        }
        _ = try await engine.runTick()
        await engine.close()
        let count = operations.withLock { $0 }
        #expect(count > 5)

        var steps: [FileOrgStore.CommitStep] = [.beforeJournal(tick: 1), .journalWritten(tick: 1, operations: count)]
        steps += (0..<count).map { FileOrgStore.CommitStep.applied(tick: 1, operation: $0) }
        for step in steps {
            let org = try template.copy()
            defer { org.remove() }
            let crashing = try await Self.engine(org)
            await crashing.setCrashPoint { current in
                if current == step { throw SimulatedCrash() }
            }
            await #expect(throws: SimulatedCrash.self) { _ = try await crashing.runTick() }
            await crashing.close()
            let restarted = try await Self.engine(org)
            while await restarted.nextTick <= 3 { _ = try await restarted.runTick() }
            await restarted.close()
            let files = try normalised(org.files(excluding: ["logs"]))
            #expect(files.keys.sorted() == expected.keys.sorted(), "files differ after a crash at \(step)")
            for (path, bytes) in expected where files[path] != bytes {
                Issue.record("\(path) differs after a crash at \(step)")
            }
        }
    }
}

/// The files with `next_event_seq` removed from `state/tick.json` (a restart publishes events).
private func normalised(_ files: [String: [UInt8]]) throws -> [String: [UInt8]] {
    var files = files
    if let tick = files["state/tick.json"], var object = try JSONValue.parse(tick).objectValue {
        object["next_event_seq"] = nil
        files["state/tick.json"] = JSONWriter().bytes(.object(object))
    }
    return files
}
