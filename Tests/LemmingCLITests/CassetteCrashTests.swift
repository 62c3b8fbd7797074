import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A recording run killed with SIGKILL again and again leaves the same cassette as a run never
/// interrupted: every call once, whole lines, nothing torn (issue 15).
@Suite(.timeLimit(.minutes(3)))
struct CassetteCrashTests {
    /// The busy org of ``CrashTests`` with its model recording to `cassettes/run.jsonl`.
    static func recordingOrg(ticks: Int) throws -> TemporaryOrg {
        let org = try CrashTests.busyOrg(ticks: ticks)
        var models = try #require(try org.readJSON("models.json")?.objectValue)
        var sim = try #require(models["sim"]?.objectValue)
        sim["record"] = "cassettes/run.jsonl"
        models["sim"] = .object(sim)
        try org.write("models.json", .object(models))
        return org
    }

    /// The cassette's lines, sorted (the turns of a tick finish in any order).
    static func lines(_ org: TemporaryOrg) throws -> [String] {
        let bytes = try #require(try org.read("cassettes/run.jsonl"))
        #expect(bytes.last == 0x0A, "the cassette ends with a torn line")
        return bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }.sorted()
    }

    @Test func killingARecordingRunLeavesEachCallOnceAsInAnUninterruptedRun() throws {
        let ticks = 24
        let template = try Self.recordingOrg(ticks: ticks)
        defer { template.remove() }
        let reference = try template.copy()
        defer { reference.remove() }
        #expect(try Lemming.run(["run", "--org", reference.root]).status == 0)
        let expected = try Self.lines(reference)
        // Five agents, every tick.
        #expect(expected.count == 5 * ticks)

        let org = try template.copy()
        defer { org.remove() }
        var generator = SeededGenerator(seed: 20_261_130)
        var kills = 0
        var target = 0
        var finished = false
        for _ in 0..<40 {
            target += Int.random(in: 1...3, using: &generator)
            let process = Lemming.process(["run", "--org", org.root], in: org.root, environment: Lemming.environment())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if target < ticks - 1 {
                while process.isRunning,
                    ((try? org.readJSON("state/tick.json"))??["last_committed_tick"]?.intValue ?? 0) < target
                {
                    usleep(500)
                }
                usleep(useconds_t(Int.random(in: 0...9_000, using: &generator)))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
            }
            process.waitUntilExit()
            if process.terminationReason == .exit {
                #expect(process.terminationStatus == 0)
                finished = true
                break
            }
        }
        #expect(finished)
        #expect(kills >= 5, "only \(kills) kills landed")
        #expect(try Self.lines(org) == expected)
    }
}
