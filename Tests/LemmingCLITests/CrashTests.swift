import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(5)))
struct CrashTests {
    /// An org where every agent writes an entry and a memory update every tick, for `ticks` ticks,
    /// 10 ms apart: a run lasts at least `ticks` × 10 ms however fast the machine, so a kill within
    /// that window always lands.
    static func busyOrg(ticks: Int) throws -> TemporaryOrg {
        let names = ["alpha", "bravo", "charlie", "delta", "echo"]
        var lines: [ScriptLine] = []
        for tick in 1...ticks {
            for (position, name) in names.enumerated() {
                let next = names[(position + 1) % names.count]
                lines.append(
                    ScriptLine(
                        name, tick: tick,
                        [
                            "outbox_entries": [
                                ["kind": "message", "payload": ["text": .string("\(name) at tick \(tick)")]],
                                [
                                    "kind": "request", "payload": ["text": .string("to \(next)")],
                                    "to": .strings([next]),
                                ],
                            ],
                            "memory_updates": [
                                ["key": "log", "op": "append", "value": .int(tick)],
                                ["key": "state", "op": "merge", "value": ["last": .int(tick)]],
                            ],
                        ]))
            }
        }
        let agents = names.enumerated().map { position, name in
            TestAgent(
                name, reads: [names[(position + names.count - 1) % names.count], "human"], maxCredits: 5, softCap: 4.99)
        }
        return try TemporaryOrg.make(
            agents: agents, replies: lines,
            config: [
                "max_ticks": .int(ticks), "tick_period_seconds": 0.01, "outbox_retention_ticks": 10,
                "checkpoint_every_ticks": 4, "inbox": ["max_entries": 3],
            ])
    }

    /// The files that must match an uninterrupted run: all but the engine log (which records the
    /// crashes) and the event counter in tick.json (restarts publish events of their own).
    static func comparable(_ org: TemporaryOrg) throws -> [String: [UInt8]] {
        var files = try org.files(excluding: ["logs"])
        if let tick = files["state/tick.json"], var object = try JSONValue.parse(tick).objectValue {
            object["next_event_seq"] = nil
            files["state/tick.json"] = JSONWriter().bytes(.object(object))
        }
        return files
    }

    @Test func killingRunAtRandomMomentsNeverLosesDuplicatesOrDoubleCharges() async throws {
        let ticks = 40
        let template = try Self.busyOrg(ticks: ticks)
        defer { template.remove() }
        let reference = try template.copy()
        defer { reference.remove() }
        let clean = try Lemming.run(["run", "--org", reference.root])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.hasSuffix("ran \(ticks) ticks (reached max_ticks); next tick \(ticks + 1)\n"))
        let expected = try Self.comparable(reference)
        #expect(expected.keys.contains("archive/outbox/alpha/00000001-alpha-01.json"))

        var generator = SeededGenerator(seed: 20_261_121)
        var kills = 0
        for round in 0..<3 {
            let org = try template.copy()
            defer { org.remove() }
            var finished = false
            // The tick after which the next kill comes (growing, so every attempt makes progress).
            var target = 0
            for attempt in 0..<40 {
                // Kill once the run has committed a few more ticks (and a few milliseconds into the
                // next one); near the end, let it finish. Each tick takes at least 10 ms, so the
                // process is still running when the kill comes, however loaded the machine.
                target += Int.random(in: 1...4, using: &generator)
                let extra = Int.random(in: 0...9_000, using: &generator)
                let process = Lemming.process(
                    ["run", "--org", org.root], in: org.root, environment: Lemming.environment())
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                if target < ticks - 1 {
                    while process.isRunning,
                        ((try? org.readJSON("state/tick.json"))??["last_committed_tick"]?.intValue ?? 0) < target
                    {
                        usleep(500)
                    }
                    usleep(useconds_t(extra))
                    if process.isRunning {
                        kill(process.processIdentifier, SIGKILL)
                        kills += 1
                    }
                }
                process.waitUntilExit()
                if process.terminationReason == .exit {
                    #expect(process.terminationStatus == 0, "round \(round) attempt \(attempt) failed")
                    finished = true
                    break
                }
            }
            #expect(finished)
            let files = try Self.comparable(org)
            let missing = Set(expected.keys).subtracting(files.keys).sorted()
            let extra = Set(files.keys).subtracting(expected.keys).sorted()
            #expect(missing.isEmpty && extra.isEmpty, "round \(round): missing \(missing), extra \(extra)")
            for (path, bytes) in expected where files[path] != nil && files[path] != bytes {
                Issue.record("round \(round): \(path) differs from the uninterrupted run")
            }
        }
        // Each round commits 40 ticks, at most 4 between kills.
        #expect(kills >= 27, "only \(kills) kills landed")
    }

    /// `kill -9` after one turn's paid reply is recorded, while another turn's call is in flight:
    /// the rerun of the tick pays only the call that was in flight (issue 11 item 14).
    @Test func killingRunMidTickDoesNotPayForARecordedReplyAgain() async throws {
        // Each call adds a line to bill/<agent>; b's first call hangs until `release` exists.
        let script = """
            input=$(cat); case "$input" in *'"agent":"b"'*) agent=b ;; *) agent=a ;; esac
            echo call >> bill/$agent
            if [ $agent = b ]; then while [ ! -e release ]; do sleep 0.05; done; fi
            echo '{"notes": "done"}'
            """
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", model: "paid"), TestAgent("b", model: "paid")],
            config: ["tick_period_seconds": 0],
            models: [
                "paid": [
                    "provider": "cli", "command": ["sh", "-c", .string(script)], "writable": ["bill"],
                    "timeout_seconds": 120, "price_in_per_mtok": 1.0,
                ]
            ])
        defer { org.remove() }
        try FileSystem.makeDirectory(org.root + "/bill")
        let process = Lemming.process(
            ["run", "--ticks", "1", "--org", org.root], in: org.root, environment: Lemming.environment())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Once a's reply is in the outcome log (flushed before it is used), b's call is in flight.
        while process.isRunning,
            !(String(decoding: ((try? org.read("state/journal/outcomes.jsonl")) ?? nil) ?? [], as: UTF8.self)
                .contains(#""agent":"a""#))
        {
            usleep(2_000)
        }
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try org.turnRecords(of: "a").isEmpty)

        try org.writeBytes("release", [])
        let rerun = try Lemming.run(["run", "--ticks", "1", "--org", org.root])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try org.read("bill/a") == Array("call\n".utf8))
        #expect(try org.read("bill/b") == Array("call\ncall\n".utf8))
        #expect(try org.turnRecords(of: "a").map { $0["stop_reason"] } == ["completed"])
        #expect(try org.turnRecords(of: "b").map { $0["stop_reason"] } == ["completed"])
    }

    @Test func aSecondRunIsRefusedAndCtrlCStopsCleanly() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], replies: [], config: ["tick_period_seconds": 0.05])
        defer { org.remove() }
        let process = Lemming.process(["run", "--org", org.root], in: org.root, environment: Lemming.environment())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let tick = try? org.readJSON("state/tick.json"), (tick["next_tick"]?.intValue ?? 0) >= 3 { break }
            usleep(20_000)
        }
        let second = try Lemming.run(["run", "--ticks", "1", "--org", org.root])
        #expect(second.status == 1)
        #expect(
            second.stderr.hasPrefix(
                "error: \(org.root): another lemming engine is running on this org (pid \(process.processIdentifier))"))
        kill(process.processIdentifier, SIGINT)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let text = String(decoding: stdout, as: UTF8.self)
        #expect(text.contains("(stopped); next tick"))
        #expect(try org.read("state/engine.lock") == [])
        #expect(try org.read("state/journal/journal.log") == [])
    }

    @Test func runsWithAFixedClockAreByteIdentical() throws {
        let first = try Self.busyOrg(ticks: 12)
        defer { first.remove() }
        let second = try first.copy()
        defer { second.remove() }
        for org in [first, second] {
            #expect(try Lemming.run(["run", "--org", org.root]).status == 0)
        }
        #expect(try first.files() == second.files())
    }
}

@Suite(.timeLimit(.minutes(2)))
struct AbandonedTickTests {
    @Test func ctrlBackslashAbandonsASlowTickWithoutCommittingAnything() throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("slow", reads: ["human"])], config: ["tick_period_seconds": 0],
            models: [
                "sim": [
                    "provider": "cli", "command": ["sh", "-c", "cat > /dev/null; sleep 20; echo '{}'"],
                    "timeout_seconds": 60,
                ]
            ])
        defer { org.remove() }
        let process = Lemming.process(
            ["run", "--ticks", "2", "--org", org.root], in: org.root, environment: Lemming.environment())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The first tick's model call takes 20 s: once the engine holds the lock, it is in that tick.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try org.read("state/engine.lock") ?? []).isEmpty { usleep(20_000) }
        usleep(1_000_000)
        kill(process.processIdentifier, SIGINT)
        usleep(200_000)
        kill(process.processIdentifier, SIGQUIT)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(String(decoding: stdout, as: UTF8.self).contains("the tick in progress was abandoned"))
        // The start and the stop are committed (with their events); nothing of the tick is.
        let tick = try JSONValue.parse(try #require(try org.read("state/tick.json")))
        #expect(tick["next_tick"] == 1)
        #expect(tick["last_committed_tick"] == 0)
        #expect(try org.turnRecords(of: "slow").isEmpty)
        #expect(try org.read("state/engine.lock") == [])
    }
}
