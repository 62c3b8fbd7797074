import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `send`, `inbox` and `chat`: how the human takes part.
@Suite(.timeLimit(.minutes(3)))
struct HumanCommandTests {
    /// The simulated manager's answer: it hands the request to the team.
    static let answer =
        "Taking on a login page: planner plans it, coder builds shared/login-page.html, reviewer reviews it. I will tell you when it is reviewed."

    @Test func sendWritesTheHumansEntryWithKindPriorityAndReplyTo() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let sent = try org.lemming(["send", "manager", "Please", "build", "it"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout == "sent 00000001-human-01 to manager; it reads it at tick 1\n")
        #expect(sent.stderr.isEmpty)
        let first = try org.json("agents/human/outbox/00000001-human-01.json")
        #expect(first["id"] == "00000001-human-01")
        #expect(first["agent"] == "human")
        #expect(first["recipients"] == ["manager"])
        #expect(first["kind"] == "message")
        #expect(first["priority"] == "normal")
        #expect(first["reply_to"] == .null)
        #expect(first["payload"]?["text"] == "Please build it")

        let again = try org.lemming([
            "send", "manager", "Any news?", "--kind", "request", "--priority", "urgent", "--reply-to",
            "00000001-human-01",
        ])
        #expect(again.stdout == "sent 00000001-human-02 to manager; it reads it at tick 1\n")
        let second = try org.json("agents/human/outbox/00000001-human-02.json")
        #expect(second["kind"] == "request")
        #expect(second["priority"] == "urgent")
        #expect(second["reply_to"] == "00000001-human-01")
        #expect(second["recipients"] == ["manager"])
        #expect(try org.list("agents/human/outbox") == ["00000001-human-01.json", "00000001-human-02.json"])

        // The manager sees both at the next tick and answers each.
        #expect(try org.lemming(["step"]).status == 0)
        let answers = try org.entries(of: "manager").filter { $0.recipients == ["human"] }
        #expect(answers.compactMap(\.replyTo) == ["00000001-human-02", "00000001-human-01"])
    }

    @Test func sendRefusesAnUnknownAgentNamingWhoReadsHuman() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        for name in ["ghost", "human"] {
            let result = try org.lemming(["send", name, "hello"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "error: no agent named '\(name)' (agents that read human: manager)\n")
        }
        #expect(try org.list("agents/human/outbox").isEmpty)
    }

    @Test func sendRefusesAnAgentThatDoesNotReadHumanUnlessForced() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let refused = try org.lemming(["send", "planner", "hello"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "error: planner does not read human, so it would never see this (agents that read human: manager); "
                + "--force sends anyway\n")
        #expect(try org.list("agents/human/outbox").isEmpty)

        let forced = try org.lemming(["send", "planner", "hello", "--force"])
        #expect(forced.status == 0)
        #expect(forced.stdout == "sent 00000001-human-01 to planner; it reads it at tick 1\n")
        #expect(try org.json("agents/human/outbox/00000001-human-01.json")["recipients"] == ["planner"])

        // Once the planner reads human, no --force is needed.
        try org.setReads("planner", ["manager", "coder", "human"])
        #expect(try org.lemming(["send", "planner", "hello again"]).status == 0)
    }

    @Test func sendReplyToMustNameAnExistingEntry() throws {
        let org = try InitOrg.make(settings: ["outbox_retention_ticks": 1])
        defer { org.remove() }
        let missing = try org.lemming(["send", "manager", "hi", "--reply-to", "00000009-manager-01"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: --reply-to: no entry '00000009-manager-01'\n")
        let malformed = try org.lemming(["send", "manager", "hi", "--reply-to", "bogus"])
        #expect(malformed.status == 64)
        #expect(
            malformed.stderr
                == "error: --reply-to must be an entry id such as 00000003-manager-01 (see lemming send --help)\n")
        #expect(try org.list("agents/human/outbox").isEmpty)

        // An entry moved to the archive still exists.
        #expect(try org.lemming(["send", "manager", "Please build a login page"]).status == 0)
        #expect(try org.lemming(["run", "--ticks", "4"]).status == 0)
        #expect(org.exists("archive/outbox/manager/00000001-manager-01.json"))
        let archived = try org.lemming(["send", "manager", "thanks", "--reply-to", "00000001-manager-01"])
        #expect(archived.status == 0, "\(archived.stderr)")
        let reply = try #require(try org.entries(of: "human").last)
        #expect(reply.replyTo == "00000001-manager-01")
    }

    @Test func sendJSONSaysWhatWasSent() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let result = try org.lemming(["send", "manager", "hello", "--json"])
        #expect(result.status == 0)
        let json = try JSONValue.parse(result.stdout)
        #expect(json == ["status": "sent", "id": "00000001-human-01", "to": "manager"])
    }

    @Test func sendWhileAnEngineRunsQueuesACommandTheEngineApplies() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 0.2])
        defer { org.remove() }
        let engine = try await org.startEngine()
        defer { engine.stop() }

        // Stopped (SIGSTOP), the engine still holds the lock, and the command waits for it.
        kill(engine.process.processIdentifier, SIGSTOP)
        let queued = try org.lemming(["send", "manager", "Queued hello"])
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(queued.stdout == "queued for the running engine: manager gets it at the next tick\n")
        let files = try org.list("state/commands")
        #expect(files.count == 1)
        let file = try #require(files.first)
        let command = try org.json("state/commands/\(file)")
        #expect(command["command"] == "send")
        #expect(command["to"] == ["manager"])
        #expect(command["text"] == "Queued hello")
        let pending = try JSONValue.parse(try org.lemming(["status", "--json"]).stdout)
        #expect(pending["pending_commands"] == 1)
        #expect(pending["engine_running"] == true)
        #expect(try org.list("agents/human/outbox").isEmpty)

        // Running again, the engine applies the command at its next tick and removes the file.
        kill(engine.process.processIdentifier, SIGCONT)
        let applied = await eventually {
            let log = (try? FileSystem.read(org.path("logs/engine.jsonl"))).map { String(decoding: $0, as: UTF8.self) }
            return log?.contains("\"type\":\"command_applied\"") == true
                && log?.contains("\"file\":\"\(file)\"") == true
        }
        #expect(applied, "the engine never applied \(file)")
        #expect(await eventually { !org.exists("state/commands/\(file)") })
        #expect(await eventually { (try? org.entries(of: "human").count) == 1 })
        let sent = try #require(try org.entries(of: "human").first)
        #expect(sent.text == "Queued hello")
        #expect(sent.recipients == ["manager"])

        let json = try org.lemming(["send", "manager", "again", "--json"])
        #expect(try JSONValue.parse(json.stdout) == ["status": "queued", "id": nil, "to": "manager"])
        #expect(await eventually { (try? org.entries(of: "human").count) == 2 })

        engine.stop(signal: SIGINT)
        #expect(engine.process.terminationStatus == 0)
        #expect(engine.stdout.contains("(stopped); next tick"))
        #expect(try org.list("state/commands").isEmpty)
    }

    @Test func theScriptedConversationReachesTheInbox() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["inbox"]).stdout == "Nothing addressed to the human yet.\n")
        #expect(try org.lemming(["inbox", "--all"]).stdout == "No entries yet.\n")
        #expect(try JSONValue.parse(try org.lemming(["inbox", "--json"]).stdout) == [])

        #expect(try org.lemming(["send", "manager", "Please build a login page"]).status == 0)
        #expect(try org.lemming(["run", "--ticks", "3"]).status == 0)
        let inbox = try org.lemming(["inbox"])
        #expect(inbox.status == 0)
        #expect(
            inbox.stdout
                == "tick 1  manager → human  [response, re 00000001-human-01] 00000001-manager-01\n    \(Self.answer)\n"
        )

        let json = try JSONValue.parse(try org.lemming(["inbox", "--json"]).stdout)
        let entries = try #require(json.arrayValue)
        #expect(entries.count == 1)
        #expect(entries.first == (try org.json("agents/manager/outbox/00000001-manager-01.json")))
        #expect(entries.first?["recipients"] == ["human"])
        #expect(entries.first?["kind"] == "response")
        #expect(entries.first?["reply_to"] == "00000001-human-01")

        // --all: every agent's entries, oldest first; -n keeps the newest.
        let everything = try org.allEntries()
        let all = try JSONValue.parse(try org.lemming(["inbox", "--all", "--json", "-n", "100"]).stdout)
        #expect(all.arrayValue?.compactMap { $0["id"]?.stringValue } == everything.map(\.id.text))
        #expect(Set(everything.map(\.author)) == ["human", "manager", "planner", "coder", "reviewer"])
        let text = try org.lemming(["inbox", "--all", "-n", "100"]).stdout
        for author in ["human", "manager", "planner", "coder", "reviewer"] {
            #expect(text.contains("  \(author) → "), "no entry of \(author)")
        }
        let newest = try JSONValue.parse(try org.lemming(["inbox", "--all", "--json", "-n", "3"]).stdout)
        #expect(newest.arrayValue?.compactMap { $0["id"]?.stringValue } == everything.suffix(3).map(\.id.text))
        let three = try org.lemming(["inbox", "--all", "-n", "3"]).stdout
        #expect(lines(three).filter { $0.hasPrefix("tick ") }.count == 3)
        #expect(try org.lemming(["inbox", "-n", "-1"]).status != 0)
    }

    @Test func inboxFollowPrintsEntriesWrittenAfterItStarted() async throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let follower = try Background(["inbox", "--follow"], in: org.root)
        defer { follower.stop() }
        #expect(await follower.waitForOutput("Nothing addressed to the human yet.\n"))
        #expect(try org.lemming(["send", "manager", "Please build a login page"]).status == 0)
        #expect(try org.lemming(["step"]).status == 0)
        #expect(await follower.waitForOutput(Self.answer), "\(follower.stdout)")
        #expect(follower.process.isRunning)
        follower.stop()
        // Only what is addressed to the human: not the human's own message, not the team's requests.
        #expect(!follower.stdout.contains("human → manager"))
        #expect(!follower.stdout.contains("manager → everyone"))
        #expect(follower.stdout.contains("tick 1  manager → human  [response, re 00000001-human-01]"))
    }

    @Test func chatSendsLinesAndRunsTicksUntilTheAgentAnswers() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let input = "Please build a login page\n\n/status\n/tick\n/quit\nnever sent\n"
        let result = try Lemming.run(["chat", "manager"], in: org.root, input: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let output = lines(result.stdout)
        #expect(output.count == 4, "\(result.stdout)")
        #expect(
            output.first == "Talking to manager in 'acme' (chat runs the ticks). /tick runs a tick, /status, /quit.")
        #expect(output.dropFirst().first == "manager> \(Self.answer)")
        let status = output.count > 2 ? output[2] : ""
        #expect(status.hasPrefix("manager: active, fires at tick 2, 9.9"), "\(status)")
        #expect(status.hasSuffix(" credits; next tick 2"))
        #expect(output.last?.hasPrefix("tick 2: 4 turns, ") == true)

        // The files: one message from the human (nothing after /quit), the manager's answer to it.
        let sent = try org.entries(of: "human")
        #expect(sent.map(\.id.text) == ["00000001-human-01"])
        #expect(sent.first?.text == "Please build a login page")
        #expect(sent.first?.recipients == ["manager"])
        let answer = try #require(try org.entries(of: "manager").first { $0.recipients == ["human"] })
        #expect(answer.id.text == "00000001-manager-01")
        #expect(answer.replyTo == "00000001-human-01")
        #expect(answer.text == Self.answer)
        #expect(try org.json("state/tick.json")["next_tick"] == 3)
        #expect(try org.json("state/ledger.json")["manager"]?["turns"] == 2)
    }

    @Test func chatRefusesAnAgentTheHumanCannotTalkTo() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let unknown = try Lemming.run(["chat", "ghost"], in: org.root, input: "hello\n")
        #expect(unknown.status == 1)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr == "error: no agent named 'ghost' (agents that read human: manager)\n")
        let deaf = try Lemming.run(["chat", "planner"], in: org.root, input: "hello\n")
        #expect(deaf.status == 1)
        // chat has no --force, so the error does not offer it.
        #expect(
            deaf.stderr
                == "error: planner does not read human, so it would never see this (agents that read human: manager)\n")
        #expect(try org.list("agents/human/outbox").isEmpty)
        let tick = org.exists("state/tick.json") ? try org.json("state/tick.json")["next_tick"] : 1
        #expect(tick == 1)
    }

    @Test func chatWhileAnEngineRunsLeavesTheMessageForIt() async throws {
        let org = try InitOrg.make(settings: ["tick_period_seconds": 0.2])
        defer { org.remove() }
        let engine = try await org.startEngine()
        defer { engine.stop() }
        let result = try Lemming.run(["chat", "manager"], in: org.root, input: "Hi from chat\n/tick\n")
        #expect(result.status == 0, "\(result.stderr)")
        let output = lines(result.stdout)
        #expect(output.first?.contains("(an engine is running; messages go to it)") == true)
        let sent = try #require(try org.entries(of: "human").first)
        #expect(sent.text == "Hi from chat")
        #expect(
            output.dropFirst().first
                == "manager> Noted. Tell me what to build or plan, and I will hand it to the team.", "\(result.stdout)")
        #expect(output.last == "(the running engine ticks on its own)")
        engine.stop(signal: SIGINT)
        #expect(engine.process.terminationStatus == 0)
    }
}
