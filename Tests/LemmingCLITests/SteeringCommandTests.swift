import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `top-up`, `pause`, `resume`, `reset`, `agent new` and shell completions: steering an org.
@Suite(.timeLimit(.minutes(3)))
struct SteeringCommandTests {
    static func balance(_ org: InitOrg, _ agent: String) throws -> Double? {
        try org.json("state/ledger.json")[agent]?["balance"]?.doubleValue
    }

    @Test func topUpAddsCreditsToTheLedger() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let fresh = try org.lemming(["top-up", "coder", "2.5"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout == "topped up coder by 2.5000; balance 12.5000\n")
        #expect(try Self.balance(org, "coder") == 12.5)

        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        let before = try #require(try Self.balance(org, "coder"))
        #expect(before < 12.5)
        let again = try org.lemming(["top-up", "coder", "1"])
        #expect(again.stdout == "topped up coder by 1.0000; balance \(fourDecimals(before + 1))\n")
        let after = try #require(try Self.balance(org, "coder"))
        #expect(abs(after - (before + 1)) < 1e-9)
        #expect(try Self.balance(org, "manager").map { $0 < 10 } == true)
    }

    @Test func topUpClearsBudgetExhausted() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        try org.editJSON("agents/coder/resume.json") { resume in
            resume["credits"] = ["max_credits": 0.0002, "soft_cap": 0.0001]
        }
        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        #expect(try org.json("state/ledger.json")["coder"]?["exhaustion_notified"] == true)
        let topped = try org.lemming(["top-up", "coder", "1"])
        #expect(topped.stdout == "topped up coder by 1.0000; balance 1.0002\n")
        let account = try org.json("state/ledger.json")["coder"]
        #expect(account?["exhaustion_notified"] == false)
        #expect(account?["balance"] == 1.0002)
        let status = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(status["agents"]?.arrayValue?.first { $0["name"] == "coder" }?["state"] == "active")
        #expect(status["warnings"] == [])
        let step = try JSONValue.parse(try org.lemming(["step", "--json"]).stdout)
        #expect(step["turns"]?.arrayValue?.count == 4)
    }

    @Test func topUpRefusesUnknownAgentsAndBadAmounts() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        for name in ["ghost", "human"] {
            let result = try org.lemming(["top-up", name, "1"])
            #expect(result.status == 1)
            #expect(result.stderr == "error: no agent named '\(name)' (agents: coder, manager, planner, reviewer)\n")
        }
        for amount in ["0", "abc", "inf"] {
            let result = try org.lemming(["top-up", "coder", amount])
            #expect(result.status != 0, "\(amount)")
            #expect(result.stdout.isEmpty)
        }
        let balance = org.exists("state/ledger.json") ? try Self.balance(org, "coder") : 10
        #expect(balance == 10)
    }

    @Test func pauseAndResumeAnAgent() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let paused = try org.lemming(["pause", "coder"])
        #expect(paused.status == 0)
        #expect(paused.stdout == "paused coder\n")
        let runtime = try org.json("state/agents.json")["coder"]
        #expect(runtime?["paused"] == true)
        #expect(runtime?["pause_reason"] == "operator")
        let status = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        let coder = status["agents"]?.arrayValue?.first { $0["name"] == "coder" }
        #expect(coder?["state"] == "paused")
        #expect(coder?["next_fire_tick"] == .null)

        let step = try JSONValue.parse(try org.lemming(["step", "--json"]).stdout)
        #expect(step["turns"]?.arrayValue?.count == 3)
        #expect(!org.exists("agents/coder/logs/turns.jsonl"))

        let resumed = try org.lemming(["resume", "coder"])
        #expect(resumed.stdout == "resumed coder\n")
        #expect(try org.json("state/agents.json")["coder"]?["paused"] == false)
        let next = try JSONValue.parse(try org.lemming(["step", "--json"]).stdout)
        #expect(next["turns"]?.arrayValue?.count == 4)
        #expect(try FileSystem.read(org.path("agents/coder/logs/turns.jsonl")).filter { $0 == 0x0A }.count == 1)

        for arguments in [["pause", "ghost"], ["resume", "human"]] {
            let refused = try org.lemming(arguments)
            #expect(refused.status == 1)
            #expect(refused.stderr.hasPrefix("error: no agent named '\(arguments[1])'"))
        }
    }

    @Test func pauseAndResumeTheEngine() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["pause"]).stdout == "paused the engine\n")
        #expect(try org.json("state/tick.json")["paused"] == true)
        #expect(try org.lemming(["status"]).stdout.hasPrefix("acme: next tick 1, engine stopped, PAUSED\n"))
        let run = try org.lemming(["run", "--ticks", "1"])
        #expect(run.status == 0)
        #expect(
            run.stdout
                == "tick 1: engine paused (lemming resume to continue)\n"
                + "ran 0 ticks (the engine is paused; lemming resume to continue); next tick 1\n")
        #expect(try org.json("state/tick.json")["next_tick"] == 1)
        #expect(!org.exists("agents/manager/logs/turns.jsonl"))

        #expect(try org.lemming(["resume"]).stdout == "resumed the engine\n")
        #expect(try org.json("state/tick.json")["paused"] == false)
        #expect(try org.lemming(["run", "--ticks", "1"]).stdout.hasSuffix("ran 1 tick (done); next tick 2\n"))
    }

    @Test func steeringWhileAnEngineRunsIsQueued() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 0.2])
        defer { org.remove() }
        let engine = try await org.startEngine()
        defer { engine.stop() }
        let topUp = try org.lemming(["top-up", "coder", "5"])
        #expect(topUp.stdout == "queued for the running engine: coder gets 5.0000 credits at the next tick\n")
        #expect(await eventually { ((try? Self.balance(org, "coder")) ?? 0) > 14 })
        #expect(
            try org.lemming(["pause", "coder"]).stdout == "queued: the running engine pauses coder at its next tick\n")
        #expect(await eventually { (try? org.json("state/agents.json")["coder"]?["paused"]) == true })

        #expect(try org.lemming(["pause"]).stdout == "queued: the running engine pauses the engine at its next tick\n")
        #expect(await eventually { (try? org.json("state/tick.json")["paused"]) == true })
        let status = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(status["engine_running"] == true)
        #expect(status["paused"] == true)

        // reset refuses while the engine runs, and changes nothing.
        let before = try org.files().filter { !$0.key.hasPrefix("logs/") && !$0.key.hasPrefix("state/") }
        let reset = try org.lemming(["reset", "--yes"])
        #expect(reset.status == 1)
        #expect(reset.stderr == "error: \(org.root): an engine is running on this org; stop it first\n")
        #expect(try org.files().filter { !$0.key.hasPrefix("logs/") && !$0.key.hasPrefix("state/") } == before)
        #expect(org.exists("state/tick.json") && org.exists("state/ledger.json"))

        // A new agent joins at the next tick, even while the engine runs.
        #expect(
            try org.lemming(["resume"]).stdout == "queued: the running engine resumes the engine at its next tick\n")
        #expect(try org.lemming(["agent", "new", "late"]).status == 0)
        #expect(await eventually { org.exists("agents/late/logs/turns.jsonl") })
        // The commit's files are written in parallel: its turn log can be there before its tick.json.
        #expect(await eventually { (try? org.json("state/tick.json")["paused"]) == false })
        engine.stop(signal: SIGINT)
        #expect(engine.process.terminationStatus == 0)
        #expect(try org.list("state/commands").isEmpty)
    }

    @Test func resetWithYesClearsTheRunAndKeepsTheDefinition() throws {
        let org = try InitOrg.make(settings: ["outbox_retention_ticks": 1])
        defer { org.remove() }
        #expect(try org.lemming(["send", "manager", "Please build a login page"]).status == 0)
        #expect(try org.lemming(["run", "--ticks", "4"]).status == 0)
        try FileSystem.writeAtomically(Array("notes".utf8), to: org.path("agents/coder/workspace/notes.md"))
        try FileSystem.writeAtomically(Array("shared".utf8), to: org.path("shared/readme.txt"))
        #expect(org.exists("archive/outbox/human/00000001-human-01.json"))
        #expect(org.exists("agents/manager/memory/plan.json"))
        let entries = try org.allEntries().count
        #expect(entries > 0)
        let files = try org.files()
        let kept = files.filter { path, _ in
            path.hasSuffix("resume.json") || path.contains("/workspace/") || path.hasPrefix("shared/")
                || ["lemming.json", "models.json", ".gitignore"].contains(path)
        }

        let reset = try org.lemming(["reset", "--yes"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(
            reset.stdout
                == "reset 'acme': \(entries) entries, memory, logs, ledger and cursors removed; the next tick is 1 "
                + "(resumes and workspaces kept)\n")
        let left = try org.files()
        #expect(left.filter { $0.key != "state/engine.lock" } == kept)
        for agent in ["human", "manager", "planner", "coder", "reviewer"] {
            #expect(try org.list("agents/\(agent)/outbox").isEmpty)
        }
        for gone in ["archive", "logs", "state/commands", "state/journal", "state/tick.json", "state/ledger.json"] {
            #expect(!org.exists(gone), "\(gone) is still there")
        }
        #expect(try org.list("agents/manager/memory").isEmpty)
        #expect(try org.list("agents/manager/logs").isEmpty)

        // The org starts again at tick 1.
        #expect(try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)["next_tick"] == 1)
        #expect(try org.lemming(["run", "--ticks", "1"]).stdout.hasPrefix("tick 1: 4 turns, 0 entries, "))
    }

    @Test func resetWithoutYesAndWithoutATerminalRefuses() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["send", "manager", "hello"]).status == 0)
        #expect(try org.lemming(["step"]).status == 0)
        let before = try org.files()
        for input in ["", "y\n"] {
            let result = try Lemming.run(["reset"], in: org.root, input: input)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "error: refusing to reset without --yes (there is no terminal to ask)\n")
        }
        #expect(try org.files() == before)
    }

    @Test func agentNewCreatesAnAgentThatRunsAtTheNextTick() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["step"]).status == 0)
        let created = try org.lemming(["agent", "new", "tester"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(
            created.stdout == "created agents/tester/resume.json from template 'worker'; it joins at the next tick\n")
        let resume = try org.json("agents/tester/resume.json")
        let template = try org.json("templates/worker/resume.json")
        #expect(resume["name"] == "tester")
        #expect(resume["title"] == template["title"])
        #expect(resume["permissions"]?["read_outboxes"] == ["manager"])
        #expect(resume["model"]?["key"] == "sim")
        #expect(try org.list("agents/tester") == ["memory", "outbox", "resume.json", "workspace"])
        #expect(try org.lemming(["validate"]).stdout.hasSuffix("\n5 valid agents, 0 errors, 0 warnings\n"))

        let step = try JSONValue.parse(try org.lemming(["step", "--json"]).stdout)
        #expect(step["tick"] == 2)
        #expect(step["turns"]?.arrayValue?.count == 5)
        let turns = try FileSystem.read(org.path("agents/tester/logs/turns.jsonl"))
        #expect(try JSONValue.parse(Array(turns.split(separator: 0x0A)[0]))["tick"] == 2)

        // --reads and --title: an agent the human can talk to.
        let watcher = try org.lemming([
            "agent", "new", "watcher", "--reads", "human", "--reads", "manager", "--title", "Watcher",
        ])
        #expect(watcher.status == 0)
        let watcherResume = try org.json("agents/watcher/resume.json")
        #expect(watcherResume["title"] == "Watcher")
        #expect(watcherResume["permissions"]?["read_outboxes"] == ["human", "manager"])
        #expect(try org.lemming(["send", "watcher", "Are you there?"]).status == 0)
        #expect(try org.lemming(["step"]).status == 0)
        let answer = try #require(try org.entries(of: "watcher").first)
        #expect(answer.recipients == ["human"])
        #expect(answer.tick == 3)
        #expect(try org.lemming(["inbox"]).stdout.contains("watcher → human"))

        // An agent that reads an unknown agent is created with a warning.
        let early = try org.lemming(["agent", "new", "early", "--reads", "later"])
        #expect(early.status == 0)
        #expect(
            lines(early.stdout).first?.hasPrefix("warning: agents/early/resume.json: permissions.read_outboxes") == true
        )
    }

    @Test func agentNewWithoutTheWorkerTemplateUsesAMinimalResume() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        try FileSystem.removeTree(org.path("templates"))
        let created = try org.lemming(["agent", "new", "solo", "--title", "Solo"])
        #expect(created.stdout == "created agents/solo/resume.json from a minimal resume; it joins at the next tick\n")
        let resume = try org.json("agents/solo/resume.json")
        #expect(resume["name"] == "solo")
        #expect(resume["title"] == "Solo")
        #expect(resume["model"]?["key"] == "sim")
        #expect(try org.lemming(["validate"]).status == 0)
    }

    @Test func agentNewRefusesBadNamesExistingAgentsAndMissingTemplates() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let before = try org.files()
        let invalid = try org.lemming(["agent", "new", "Bad-Name"])
        #expect(invalid.status == 64)
        #expect(invalid.stderr.hasPrefix("error: 'Bad-Name' is not a valid agent name"))
        let reserved = try org.lemming(["agent", "new", "human"])
        #expect(reserved.status == 64)
        #expect(reserved.stderr.hasPrefix("error: 'human' is reserved"))
        let existing = try org.lemming(["agent", "new", "coder"])
        #expect(existing.status == 1)
        #expect(existing.stderr == "error: agents/coder already exists\n")
        let missing = try org.lemming(["agent", "new", "extra", "--from", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: no template 'nope' (templates: worker)\n")
        let model = try org.lemming(["agent", "new", "extra", "--model", "gpt-imaginary"])
        #expect(model.status == 1)
        #expect(model.stderr.hasPrefix("error: agents/extra/resume.json: model.key"), "\(model.stderr)")
        #expect(try org.files() == before)
    }

    @Test func shellCompletionsNameTheSubcommands() throws {
        let bash = try Lemming.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.hasPrefix("#!/bin/bash"))
        for command in [
            "init", "validate", "run", "step", "status", "agents", "inspect", "logs", "graph", "send", "inbox", "chat",
            "top-up", "pause", "resume", "reset", "agent", "schema", "demo",
        ] {
            #expect(bash.stdout.contains(command), "no \(command)")
        }
        for shell in ["zsh", "fish"] {
            let script = try Lemming.run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            #expect(script.stdout.contains("top-up"))
        }
    }

    @Test func errorsAreOneLineOnStandardError() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let failing = [
            ["top-up", "ghost", "1"], ["pause", "ghost"], ["resume", "ghost"], ["inspect", "ghost"], ["logs", "ghost"],
            ["send", "ghost", "hi"], ["send", "planner", "hi"], ["chat", "ghost"], ["agent", "new", "coder"],
            ["agent", "new", "x", "--from", "nope"], ["reset"], ["status", "--org", org.directory],
        ]
        // Usage errors (caught while parsing) exit 64 and point to the command's help.
        let misused = [
            ["send", "manager", "hi", "--priority", "high"], ["send", "manager", ""], ["top-up", "coder", "0"],
            ["graph", "--format", "svg"], ["run", "--ticks", "0"], ["inbox", "--number", "-1"],
            ["chat", "manager", "--max-ticks", "0"], ["status", "--bogus"],
        ]
        for (arguments, code) in failing.map({ ($0, Int32(1)) }) + misused.map({ ($0, Int32(64)) }) {
            let result = try org.lemming(arguments)
            #expect(result.status == code, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasSuffix("\n") && lines(result.stderr).count == 1, "\(arguments): \(result.stderr)")
            if code == 64 {
                #expect(result.stderr.hasSuffix(" (see lemming \(arguments[0]) --help)\n"), "\(result.stderr)")
            }
        }
        #expect(try org.list("agents/human/outbox").isEmpty)
        let tick = org.exists("state/tick.json") ? try org.json("state/tick.json")["next_tick"] : 1
        #expect(tick == 1)
    }
}

/// A number of credits as the commands print them (four decimals).
private func fourDecimals(_ value: Double) -> String {
    String(format: "%.4f", (value * 10_000).rounded() / 10_000)
}
