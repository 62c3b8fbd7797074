import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lemming replay`, `fork`, `backup` and `restore` through the built binary (issue 15).
@Suite(.timeLimit(.minutes(5)))
struct HistoryCommandTests {
    /// Two agents on a `cli` model: a program that answers with the tick's number in a message,
    /// and writes a memory key.
    static func cliOrg() throws -> TemporaryOrg {
        let script = #"""
            input=$(cat); tick=$(printf '%s' "$input" | sed -n 's/.*"tick":\([0-9]*\).*/\1/p')
            printf '{"outbox_entries": [{"kind": "message", "payload": {"text": "tick %s"}}], ' "$tick"
            printf '"memory_updates": [{"key": "seen", "op": "append", "value": %s}]}' "$tick"
            """#
        return try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["b"], model: "cli"), TestAgent("b", reads: ["a"], model: "cli")],
            config: ["tick_period_seconds": 0],
            models: ["cli": ["provider": "cli", "command": ["sh", "-c", .string(script)], "timeout_seconds": 60]])
    }

    @Test func aReplayOfACliRunReproducesByteForByte() throws {
        let org = try Self.cliOrg()
        defer { org.remove() }
        let run = try Lemming.run(["run", "--ticks", "4", "--org", org.root])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try org.entries(of: "a").count == 4)
        let before = try org.files()
        let replay = try Lemming.run(["replay", "--org", org.root])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout == "ticks 1–4 (8 turns) reproduce byte for byte\n")
        #expect(try org.files() == before)
    }

    @Test func aReplayOfARunKilledMidwayReproducesToo() throws {
        let ticks = 30
        let org = try CrashTests.busyOrg(ticks: ticks)
        defer { org.remove() }
        var kills = 0
        for _ in 0..<20 {
            let process = Lemming.process(["run", "--org", org.root], in: org.root, environment: Lemming.environment())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let target = ((try? org.readJSON("state/tick.json"))??["last_committed_tick"]?.intValue ?? 0) + 3
            while process.isRunning,
                ((try? org.readJSON("state/tick.json"))??["last_committed_tick"]?.intValue ?? 0) < target
            {
                usleep(500)
            }
            if process.isRunning, target < ticks - 1 {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            if process.terminationReason == .exit { break }
        }
        #expect(kills >= 3)
        let replay = try Lemming.run(["replay", "--org", org.root, "--json"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let report = try JSONValue.parse(Array(replay.stdout.utf8))
        #expect(report["reproduces"] == true && report["exact"] == true && report["to"] == .int(ticks))
    }

    @Test func anEditedResumeMakesReplayNameTheTickItChanges() throws {
        let org = try Self.cliOrg()
        defer { org.remove() }
        #expect(try Lemming.run(["run", "--ticks", "3", "--org", org.root]).status == 0)
        var resume = try #require(try org.readJSON("agents/b/resume.json")?.objectValue)
        resume["instructions"] = "Answer in French."
        try org.write("agents/b/resume.json", .object(resume))
        let replay = try Lemming.run(["replay", "--from", "2", "--org", org.root])
        #expect(replay.status == 1)
        #expect(
            replay.stdout.hasPrefix(
                "tick 2 differs (agent b): agents/b/logs/turns.jsonl, at request.messages[0].content"))
        #expect(replay.stdout.contains("Answer in French."))
        #expect(replay.stdout.contains("the replayed org is in "))
    }

    @Test func aForkContinuesAsTheOriginalDid() throws {
        let org = try Self.cliOrg()
        defer { org.remove() }
        #expect(try Lemming.run(["run", "--ticks", "5", "--org", org.root]).status == 0)
        let target = try temporaryDirectory() + "/fork"
        defer { try? FileSystem.removeTree(FileSystem.parentDirectory(of: target)) }
        let fork = try Lemming.run(["fork", "--at", "2", target, "--org", org.root])
        #expect(fork.status == 0, "\(fork.stderr)")
        #expect(fork.stdout == "forked to \(target) as of tick 2\n")
        let forked = TemporaryOrg(root: target)
        #expect(try forked.entries(of: "a").count == 2)
        #expect(try Lemming.run(["run", "--ticks", "3", "--org", target]).status == 0)
        // The outcome log is the journal's scratch (the order of a tick's parallel calls): not the org's state.
        let (left, right) = (
            try CrashTests.comparable(forked).filter { !$0.key.hasPrefix("state/journal/") },
            try CrashTests.comparable(org).filter { !$0.key.hasPrefix("state/journal/") }
        )
        #expect(left.keys.sorted() == right.keys.sorted())
        for (path, bytes) in right where left[path] != bytes { Issue.record("\(path) differs in the fork") }
        let refused = try Lemming.run(["fork", "--at", "9", target + "2", "--org", org.root])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: --at: tick 9 has not been committed (the last is 5)\n")
    }

    @Test func aBackupRestoresAndContinues() throws {
        let org = try Self.cliOrg()
        defer { org.remove() }
        #expect(try Lemming.run(["run", "--ticks", "2", "--org", org.root]).status == 0)
        let folder = try temporaryDirectory()
        defer { try? FileSystem.removeTree(folder) }
        let backup = try Lemming.run(["backup", folder + "/backup", "--org", org.root, "--json"])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(try JSONValue.parse(Array(backup.stdout.utf8))["tick"] == 2)
        #expect(try Lemming.run(["run", "--ticks", "2", "--org", org.root]).status == 0)
        let refused = try Lemming.run(["restore", folder + "/backup", "--org", org.root])
        #expect(refused.status == 1)
        let restored = try Lemming.run(["restore", folder + "/backup", "--org", org.root, "--force"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("the org that was there is in \(org.root).before-restore-"))
        defer { try? FileSystem.removeTree(org.root + ".before-restore-20260101000000") }
        #expect(try org.entries(of: "a").count == 2)
        #expect(try Lemming.run(["run", "--ticks", "1", "--org", org.root]).status == 0)
        #expect(try org.entries(of: "a").count == 3)
    }

    @Test func aDryRunReportsWhatWouldHappenAndChangesNothing() throws {
        // A paid network model (no key here: it must never be called) and an agent that fetches a page.
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("a", reads: ["human"], model: "gpt"),
                TestAgent(
                    "b", model: "sim",
                    extra: ["permissions": ["read_outboxes": [], "tools": ["http_get"]]]),
            ],
            replies: [
                ScriptLine(
                    "b", tick: 1, ["tool_calls": [["tool": "http_get", "args": ["url": "https://example.com/"]]]])
            ],
            config: ["tools": ["http": ["allow_hosts": ["example.com"]]]],
            models: [
                "gpt": ["provider": "openai", "model": "gpt-4o", "price_in_per_mtok": 2.5, "price_out_per_mtok": 10]
            ])
        defer { org.remove() }
        #expect(try Lemming.run(["send", "a", "Plan the login page.", "--org", org.root]).status == 0)
        let before = try org.files()
        let dry = try Lemming.run(["run", "--dry-run", "--ticks", "2", "--json", "--org", org.root])
        #expect(dry.status == 0, "\(dry.stderr)")
        let report = try JSONValue.parse(Array(dry.stdout.utf8))
        #expect(report["ticks"] == 2 && report["from_tick"] == 1)
        #expect((report["agents"]?["a"]?["cost"]?.doubleValue ?? 0) > 0)
        #expect(report["agents"]?["a"]?["failed"] == 0)
        #expect(try org.files() == before)
        let text = try Lemming.run(["run", "--dry-run", "--org", org.root])
        #expect(
            text.stdout.hasPrefix(
                "dry run from tick 1: 1 tick, models simulated, nothing outside a scratch copy touched\n"))
        #expect(text.stdout.hasSuffix("the org is unchanged\n"))
    }

    @Test func aBackupTakenDuringARunOpensAndFinishesLikeTheOriginal() throws {
        let ticks = 30
        let org = try CrashTests.busyOrg(ticks: ticks)
        defer { org.remove() }
        let process = Lemming.process(["run", "--org", org.root], in: org.root, environment: Lemming.environment())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning, ((try? org.readJSON("state/tick.json"))??["last_committed_tick"]?.intValue ?? 0) < 5 {
            usleep(500)
        }
        let folder = try temporaryDirectory()
        defer { try? FileSystem.removeTree(folder) }
        let backup = try Lemming.run(["backup", folder + "/copy", "--org", org.root, "--json"])
        process.waitUntilExit()
        #expect(backup.status == 0, "\(backup.stderr)")
        let report = try JSONValue.parse(Array(backup.stdout.utf8))
        #expect(report["engine_was_running"] == true)
        let tick = try #require(report["tick"]?.intValue)
        #expect(tick >= 4 && tick < ticks)
        // The copy runs the ticks left and ends as the original did.
        let copy = TemporaryOrg(root: folder + "/copy")
        let rest = try Lemming.run(["run", "--org", copy.root])
        #expect(rest.status == 0, "\(rest.stderr)")
        let (left, right) = (
            try CrashTests.comparable(copy).filter { !$0.key.hasPrefix("state/journal/") },
            try CrashTests.comparable(org).filter { !$0.key.hasPrefix("state/journal/") }
        )
        #expect(left.keys.sorted() == right.keys.sorted())
        for (path, bytes) in right where left[path] != bytes { Issue.record("\(path) differs in the backup's run") }
    }
}
