import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `agents`, `inspect`, `logs`, `graph` and `status`: watching an org.
@Suite(.timeLimit(.minutes(3)))
struct WatchCommandTests {
    /// An org after `send manager "Please build a login page"` and three ticks.
    static func conversation() throws -> InitOrg {
        let org = try InitOrg.make()
        do {
            guard try org.lemming(["send", "manager", "Please build a login page"]).status == 0,
                try org.lemming(["run", "--ticks", "3"]).status == 0
            else { throw OperatorTestFailure("the conversation did not run") }
        } catch {
            org.remove()
            throw error
        }
        return org
    }

    /// Who reads whom in the org of `lemming init`, as (author, reader).
    static let initEdges: Set<[String]> = [
        ["human", "manager"], ["planner", "manager"], ["coder", "manager"], ["reviewer", "manager"],
        ["manager", "planner"], ["coder", "planner"], ["manager", "coder"], ["planner", "coder"],
        ["reviewer", "coder"], ["manager", "reviewer"], ["coder", "reviewer"],
    ]

    @Test func agentsListsEveryAgentAndTheHuman() throws {
        let org = try Self.conversation()
        defer { org.remove() }
        let table = try org.lemming(["agents"])
        #expect(table.status == 0)
        let rows = lines(table.stdout)
        #expect(rows.count == 6)
        #expect(
            rows.first?.split(separator: " ") == ["AGENT", "TITLE", "SCHEDULE", "NEXT", "MODEL", "CREDITS", "STATE"])
        #expect(
            rows.dropFirst().map { $0.prefix { $0 != " " } } == ["coder", "manager", "planner", "reviewer", "human"])
        #expect(rows.last?.split(separator: " ") == ["human", "the", "operator", "-", "-", "-", "-", "operator"])
        let manager = try #require(rows.first { $0.hasPrefix("manager ") })
        #expect(manager.contains("Engineering manager  every tick  4"))
        #expect(manager.hasSuffix("  active"))

        let json = try #require(try JSONValue.parse(try org.lemming(["agents", "--json"]).stdout).arrayValue)
        #expect(json.compactMap { $0["name"]?.stringValue } == ["coder", "manager", "planner", "reviewer", "human"])
        let ledger = try org.json("state/ledger.json")
        for row in json.dropLast() {
            let name = try #require(row["name"]?.stringValue)
            #expect(row["balance"] == ledger[name]?["balance"])
            #expect(row["state"] == "active")
            #expect(row["next_fire_tick"] == 4)
            #expect(row["model"] == "sim")
            #expect(row["schedule"] == ["run_every_n_ticks": 1, "phase_offset": 0])
        }
        #expect(
            json.last
                == [
                    "name": "human", "title": "the operator", "schedule": nil, "next_fire_tick": nil, "model": nil,
                    "balance": nil, "state": "operator",
                ])
    }

    @Test func inspectShowsAnAgentInTextAndJSON() throws {
        let org = try Self.conversation()
        defer { org.remove() }
        let text = try org.lemming(["inspect", "manager"])
        #expect(text.status == 0)
        let output = lines(text.stdout)
        #expect(output.first == "manager — Engineering manager (active)")
        for line in [
            "reads: coder, human, planner, reviewer", "read by: coder, human, planner, reviewer", "recent entries",
            "last turns", "  tick 1  completed  4 entries  0.0003 credits  — split 00000001-human-01 into 3 task(s)",
        ] {
            #expect(output.contains(line), "no line '\(line)' in\n\(text.stdout)")
        }
        #expect(output.contains { $0.hasPrefix("  credits 9.99") && $0.contains("3 turns (warning below 1.0000)") })
        #expect(output.contains { $0.hasPrefix("memory (1 ") })
        #expect(output.contains { $0.hasPrefix(#"  plan: {"status":"in progress","topic":"a login page""#) })

        let json = try JSONValue.parse(try org.lemming(["inspect", "manager", "--json"]).stdout)
        let keys = Set(json.objectValue?.map(\.key) ?? [])
        #expect(keys.isSuperset(of: ["name", "state", "reads", "read_by", "memory", "turns", "credits", "entries"]))
        #expect(json["reads"] == ["coder", "human", "planner", "reviewer"])
        #expect(json["read_by"] == ["coder", "human", "planner", "reviewer"])
        #expect(json["memory"]?["plan"] == (try org.json("agents/manager/memory/plan.json"))["value"])
        let ledger = try org.json("state/ledger.json")["manager"]
        #expect(json["credits"]?["balance"] == ledger?["balance"])
        #expect(json["credits"]?["turns"] == 3)
        #expect(json["credits"]?["soft_cap"] == 1.0)
        #expect(json["turns"]?.arrayValue?.compactMap { $0["tick"]?.intValue } == [1, 2, 3])
        #expect(json["turns"]?.arrayValue?.first?["stop_reason"] == "completed")
        let outbox = try org.entries(of: "manager").map(\.id.text)
        #expect(json["entries"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == outbox.suffix(5))

        let short = try JSONValue.parse(try org.lemming(["inspect", "manager", "--json", "-n", "2"]).stdout)
        #expect(short["turns"]?.arrayValue?.compactMap { $0["tick"]?.intValue } == [2, 3])
        #expect(short["entries"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == outbox.suffix(2))
    }

    @Test func inspectHumanShowsWhatItSentAndReceived() throws {
        let org = try Self.conversation()
        defer { org.remove() }
        let text = try org.lemming(["inspect", "human"])
        #expect(text.status == 0)
        let output = lines(text.stdout)
        #expect(output.first == "human — the person operating the org (operator)")
        #expect(output.contains("reads: every agent"))
        #expect(output.contains("read by: manager"))
        #expect(output.contains("  tick 1  human → manager  [message] 00000001-human-01"))
        #expect(output.contains("addressed to the human"))
        #expect(output.contains("  tick 1  manager → human  [response, re 00000001-human-01] 00000001-manager-01"))

        let json = try JSONValue.parse(try org.lemming(["inspect", "human", "--json"]).stdout)
        #expect(json["state"] == "operator")
        #expect(json["read_by"] == ["manager"])
        #expect(json["entries"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["00000001-human-01"])
        #expect(json["addressed_to_human"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["00000001-manager-01"])
        #expect(json["memory"] == nil)
    }

    @Test func inspectAndLogsRefuseAnUnknownAgent() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let names = "(agents: coder, manager, planner, reviewer)"
        for arguments in [["inspect", "ghost"], ["logs", "ghost"], ["logs", "human"]] {
            let result = try org.lemming(arguments)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "error: no agent named '\(arguments[1])' \(names)\n")
        }
    }

    @Test func logsShowTheTurnRecords() throws {
        let org = try Self.conversation()
        defer { org.remove() }
        let text = try org.lemming(["logs", "manager"])
        #expect(text.status == 0)
        let output = lines(text.stdout)
        #expect(output.count == 3)
        #expect(
            output.first == "tick 1  completed  4 entries  0.0003 credits  — split 00000001-human-01 into 3 task(s)")
        #expect(output.dropFirst().first?.hasPrefix("tick 2  completed  0 entries  ") == true)
        #expect(lines(try org.lemming(["logs", "manager", "-n", "1"]).stdout).map { $0.prefix(7) } == ["tick 3 "])

        let records = try lines(try org.lemming(["logs", "manager", "--json"]).stdout).map { try JSONValue.parse($0) }
        let file = try FileSystem.read(org.path("agents/manager/logs/turns.jsonl"))
        let expected = try file.split(separator: 0x0A).map { try JSONValue.parse(Array($0)) }
        #expect(records == expected)
        #expect(records.compactMap { $0["tick"]?.intValue } == [1, 2, 3])
        #expect(records.allSatisfy { $0["agent"] == "manager" && $0["request"] != nil && $0["parsed"] != nil })
        #expect(
            records.first?["entries"]
                == ["00000001-manager-01", "00000001-manager-02", "00000001-manager-03", "00000001-manager-04"])
        let last = try lines(try org.lemming(["logs", "manager", "--json", "-n", "2"]).stdout).map {
            try JSONValue.parse($0)
        }
        #expect(last == Array(expected.suffix(2)))
    }

    @Test func logsFollowPrintsANewTurn() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["logs", "planner"]).stdout == "planner has no turns yet.\n")
        let follower = try Background(["logs", "manager", "-f"], in: org.root)
        defer { follower.stop() }
        #expect(await follower.waitForOutput("manager has no turns yet.\n"))
        #expect(try org.lemming(["send", "manager", "hello"]).status == 0)
        #expect(try org.lemming(["step"]).status == 0)
        #expect(await follower.waitForOutput("tick 1  completed  1 entry"), "\(follower.stdout)")
        #expect(try org.lemming(["step"]).status == 0)
        #expect(await follower.waitForOutput("tick 2  completed"), "\(follower.stdout)")
        #expect(follower.process.isRunning)
        follower.stop()
        #expect(lines(follower.stdout).count == 3)
    }

    @Test func graphPrintsWhoReadsWhomInEveryFormat() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let text = try org.lemming(["graph"])
        #expect(text.status == 0)
        #expect(
            text.stdout.hasPrefix(
                "coder\n  reads:   manager, planner, reviewer\n  read by: manager, planner, reviewer\n"))
        #expect(
            text.stdout.contains(
                "manager\n  reads:   coder, human, planner, reviewer\n  read by: coder, planner, reviewer\n"))
        #expect(text.stdout.hasSuffix("human\n  reads:   everyone\n  read by: manager\n"))

        let dot = try org.lemming(["graph", "--format", "dot"]).stdout
        #expect(dot.hasPrefix("digraph org {\n  rankdir=LR;\n  \"human\" [shape=doublecircle];\n"))
        #expect(dot.contains("  \"manager\" [label=\"manager\\nEngineering manager\"];\n"))
        #expect(dot.hasSuffix("}\n"))
        let dotEdges = lines(dot).filter { $0.contains(" -> ") }.map {
            $0.split(separator: "\"").map(String.init).filter { $0.allSatisfy(\.isLetter) && !$0.isEmpty }
        }
        #expect(Set(dotEdges) == Self.initEdges)
        #expect(dotEdges.count == Self.initEdges.count)

        let mermaid = try org.lemming(["graph", "--format", "mermaid"]).stdout
        #expect(mermaid.hasPrefix("graph LR\n  human((human))\n"))
        let mermaidEdges = lines(mermaid).dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(Set(mermaidEdges.map { [$0[0], $0[2]] }) == Self.initEdges)

        let json = try JSONValue.parse(try org.lemming(["graph", "--format", "json"]).stdout)
        #expect(
            json["nodes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [
                "coder", "manager", "planner", "reviewer", "human",
            ])
        #expect(json["nodes"]?.arrayValue?.last == ["name": "human", "title": nil, "state": "operator"])
        let edges = json["edges"]?.arrayValue?.map { [$0["from"]?.stringValue ?? "", $0["to"]?.stringValue ?? ""] }
        #expect(edges.map { Set($0) } == Self.initEdges)
        #expect(json["human_reads_everyone"] == true)
        #expect(
            try org.lemming(["graph", "--json"]).stdout == (try org.lemming(["graph", "--format", "json"]).stdout))
        #expect(try org.lemming(["graph", "--format", "svg"]).status != 0)

        // The graph is derived from the resumes: an edit shows at once.
        try org.setReads("planner", ["manager", "coder", "human"])
        let edited = try JSONValue.parse(try org.lemming(["graph", "--json"]).stdout)
        #expect(edited["edges"]?.arrayValue?.contains(["from": "human", "to": "planner"]) == true)
    }

    @Test func statusJSONHasTheHumansLine() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let fresh = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(fresh["human"] == ["entries": 0, "heard_by": ["manager"]])
        #expect(fresh["warnings"] == [])
        #expect(try org.lemming(["send", "manager", "hello"]).status == 0)
        try org.setReads("planner", ["manager", "coder", "human"])
        let json = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(json["human"] == ["entries": 1, "heard_by": ["manager", "planner"]])
        #expect(json["pending_commands"] == 0)
        #expect(json["paused"] == false)
        let text = try org.lemming(["status"]).stdout
        #expect(text.hasPrefix("acme: next tick 1, engine stopped\n"))
        #expect(lines(text).last?.hasPrefix("human: 1 ") == true)
        #expect(lines(text).last?.hasSuffix(" sent; heard by manager, planner") == true)
        #expect(!text.contains("warning:"))
    }

    @Test func statusWarnsAboutAgentsNobodyReadsOrTheHumanCannotReach() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        // coder and reviewer read only each other: nothing from the human can reach them.
        try org.setReads("coder", ["reviewer"])
        try org.setReads("reviewer", ["coder"])
        // A new agent that reads the human, but that nobody reads.
        #expect(try org.lemming(["agent", "new", "loner", "--reads", "human"]).status == 0)
        let expected = [
            "coder cannot be reached by the human: it does not read human, directly or through others",
            "nobody reads loner (only the human sees its entries)",
            "reviewer cannot be reached by the human: it does not read human, directly or through others",
        ]
        let json = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(json["warnings"] == .strings(expected))
        #expect(json["human"]?["heard_by"] == ["loner", "manager"])
        let text = try org.lemming(["status"])
        #expect(text.status == 0)
        #expect(lines(text.stdout).filter { $0.hasPrefix("warning: ") } == expected.map { "warning: " + $0 })
    }

    @Test func statusReportsABudgetExhaustedAgent() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        try org.editJSON("agents/coder/resume.json") { resume in
            resume["credits"] = ["max_credits": 0.0002, "soft_cap": 0.0001]
        }
        #expect(try org.lemming(["run", "--ticks", "2"]).status == 0)
        let json = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        let coder = try #require(json["agents"]?.arrayValue?.first { $0["name"] == "coder" })
        #expect(coder["state"] == "budget_exhausted")
        #expect(coder["next_fire_tick"] == .null)
        #expect(coder["last_stop_reason"] == "budget_exhausted")
        #expect(json["warnings"] == ["coder is out of credits (balance 0.0002); top it up to continue"])
        let text = try org.lemming(["status"]).stdout
        #expect(text.contains("warning: coder is out of credits (balance 0.0002); top it up to continue\n"))
        #expect(lines(text).contains { $0.hasPrefix("coder     budget_exhausted  every tick  -  ") })
        #expect(try org.json("state/ledger.json")["coder"]?["exhaustion_notified"] == true)
        let notice = try #require(try org.entries(of: "coder").first)
        #expect(notice.kind == "status")
        #expect(notice.meta["code"] == "budget_exhausted")
    }

    @Test func noColourWithNoColorOrWithoutATerminal() throws {
        let org = try Self.conversation()
        defer { org.remove() }
        let commands = [
            ["agents"], ["inspect", "manager"], ["inspect", "human"], ["logs", "manager"], ["graph"], ["status"],
            ["inbox", "--all"], ["run", "--ticks", "1"], ["send", "manager", "hi"], ["inspect", "ghost"],
        ]
        var plain = Lemming.environment()
        plain["NO_COLOR"] = nil
        plain["TERM"] = "xterm-256color"
        for arguments in commands {
            // NO_COLOR set (the test default), and stdout a pipe without NO_COLOR.
            let quiet = try org.lemming(arguments)
            let piped = try Lemming.run(arguments, in: org.root, input: "", exactEnvironment: plain)
            for result in [quiet, piped] {
                #expect(!result.stdout.contains("\u{1B}[") && !result.stderr.contains("\u{1B}["), "\(arguments)")
            }
        }
        // On a terminal there is colour, unless NO_COLOR is set or TERM is dumb.
        let coloured = try Lemming.runOnTerminal(["agents"], in: org.root, environment: plain)
        #expect(coloured.status == 0)
        #expect(coloured.output.contains("\u{1B}[32mactive\u{1B}[0m"), "\(coloured.output)")
        var noColor = plain
        noColor["NO_COLOR"] = "1"
        var dumb = plain
        dumb["TERM"] = "dumb"
        for environment in [noColor, dumb] {
            for arguments in [["agents"], ["inspect", "manager"], ["graph"], ["inbox"], ["logs", "manager"]] {
                let result = try Lemming.runOnTerminal(arguments, in: org.root, environment: environment)
                #expect(result.status == 0)
                #expect(!result.output.isEmpty)
                #expect(!result.output.contains("\u{1B}["), "\(arguments): \(result.output)")
            }
        }
    }
}
