import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2)))
struct CommandTests {
    @Test func initValidateRunAndStatusWorkOnAFreshOrg() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let created = try Lemming.run(["init", "acme"], in: directory)
        #expect(created.status == 0)
        #expect(created.stdout.hasPrefix("Created org 'acme' in \(directory)/acme"))
        let org = directory + "/acme"
        for path in [
            "lemming.json", "models.json", "agents/manager/resume.json", "agents/reviewer/resume.json",
            "templates/worker/resume.json",
        ] {
            #expect(FileSystem.exists(org + "/" + path), "missing \(path)")
        }
        #expect(FileSystem.info(org + "/agents/human/outbox")?.isDirectory == true)

        let validated = try Lemming.run(["validate"], in: org)
        #expect(validated.status == 0)
        #expect(validated.stdout.hasPrefix("sandbox: "), "\(validated.stdout)")
        #expect(validated.stdout.hasSuffix("\n4 valid agents, 0 errors, 0 warnings\n"))

        let ran = try Lemming.run(["run", "--ticks", "3"], in: org)
        #expect(ran.status == 0, "\(ran.stderr)")
        let lines = ran.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("tick 1: 4 turns, 0 entries, ") == true)
        #expect(lines.last == "ran 3 ticks (done); next tick 4")

        let status = try Lemming.run(["status", "--json"], in: org)
        #expect(status.status == 0)
        let json = try JSONValue.parse(status.stdout)
        #expect(json["next_tick"] == 4)
        #expect(json["engine_running"] == false)
        #expect(
            json["agents"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [
                "coder", "manager", "planner", "reviewer",
            ])
        #expect(json["agents"]?.arrayValue?.first?["state"] == "active")
        #expect(json["agents"]?.arrayValue?.first?["next_fire_tick"] == 4)

        let text = try Lemming.run(["status"], in: org)
        #expect(text.stdout.hasPrefix("acme: next tick 4, engine stopped\nAGENT"))
    }

    @Test func runUntilIdleStopsWhenTheConversationIsOver() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        _ = try Lemming.run(["init", "."], in: directory)
        try ControlCommand.send(HumanMessage(to: ["manager"], text: "Please build a status page."))
            .submit(to: OrgPaths(root: directory), clock: TemporaryOrg.fixedClock)
        let result = try Lemming.run(["run", "--until-idle"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("ran ") && last.contains("(idle: nothing new to read)"), "\(result.stdout)")
        let ran = Int(last.split(separator: " ")[1]) ?? 0
        #expect(ran >= 3 && ran < 10)
        let answers = try FileSystem.list(directory + "/agents/manager/outbox") ?? []
        #expect(!answers.isEmpty)
        let again = try Lemming.run(["run", "--until-idle"], in: directory)
        #expect(again.stdout.hasSuffix("ran 1 tick (idle: nothing new to read); next tick \(ran + 2)\n"))
    }

    @Test func stepRunsExactlyOneTick() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        _ = try Lemming.run(["init", "."], in: directory)
        let stepped = try Lemming.run(["step", "--json"], in: directory)
        #expect(stepped.status == 0)
        let report = try JSONValue.parse(stepped.stdout)
        #expect(report["tick"] == 1)
        #expect(report["turns"]?.arrayValue?.count == 4)
        #expect(try JSONValue.parse(try FileSystem.read(directory + "/state/tick.json"))["next_tick"] == 2)
    }

    @Test func stepRefusesAnOrgPastMaxTicks() throws {
        let org = try InitOrg.make(settings: ["max_ticks": 1])
        defer { org.remove() }
        #expect(try org.lemming(["step"]).status == 0)
        let refused = try org.lemming(["step"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: lemming.json: the org reached max_ticks (1) in lemming.json\n")
        #expect(try org.json("state/tick.json")["next_tick"] == 2)
    }

    @Test func validateNamesTheFileFieldAndRuleOfEachError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        _ = try Lemming.run(["init", "."], in: directory)
        let path = directory + "/agents/coder/resume.json"
        var resume = try #require(try JSONValue.parse(try FileSystem.read(path)).objectValue)
        resume["schedule"] = ["run_every_n_ticks": 0]
        resume["mood"] = "cheerful"
        try FileSystem.writeAtomically(JSONWriter().bytes(.object(resume)), to: path)
        let result = try Lemming.run(["validate"], in: directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("warning: agents/coder/resume.json: mood: unknown field (kept, but not used)"))
        #expect(
            result.stdout.contains("error: agents/coder/resume.json: schedule.run_every_n_ticks: must be ≥ 1 (got 0)"))
        #expect(result.stdout.hasSuffix("3 valid agents, 1 error, 1 warning\n"))
        let json = try JSONValue.parse(try Lemming.run(["validate", "--json"], in: directory).stdout)
        #expect(json["valid"] == false)
        #expect(
            json["issues"]?.arrayValue?.contains {
                $0["rule"] == "range" && $0["field"] == "schedule.run_every_n_ticks"
            } == true)
    }

    @Test func theOrgIsFoundByFlagEnvironmentOrSearchingUpward() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        _ = try Lemming.run(["init", "org"], in: directory)
        let org = directory + "/org"
        #expect(try Lemming.run(["status"], in: org + "/agents/manager").status == 0)
        #expect(try Lemming.run(["status", "--org", "org"], in: directory).status == 0)
        #expect(try Lemming.run(["status"], in: directory, environment: ["LEMMING_ORG": org]).status == 0)
        let missing = try Lemming.run(["status"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: no org found in \(directory) or above"))
        let wrong = try Lemming.run(["status", "--org", directory], in: "/")
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr == "error: \(directory): no lemming.json here: not an org (create one with `lemming init`)\n")
    }

    @Test func schemaResumePrintsTheJSONSchema() throws {
        let result = try Lemming.run(["schema", "resume"])
        #expect(result.status == 0)
        let schema = try JSONValue.parse(result.stdout)
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["required"] == ["name", "title", "short_description", "instructions", "model", "schedule"])
    }

    @Test func schemaConfigPrintsTheJSONSchemaOfLemmingJSON() throws {
        let result = try Lemming.run(["schema", "config"])
        #expect(result.status == 0, "\(result.stderr)")
        let schema = try JSONValue.parse(result.stdout)
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["properties"]?["inbox"]?["properties"]?["max_entries"]?["default"] == 20)
        #expect(schema["properties"]?["server"]?["properties"]?["port"]?["maximum"] == 65_535)
    }

    @Test func initRefusesToOverwriteAnOrg() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        _ = try Lemming.run(["init", "."], in: directory)
        let again = try Lemming.run(["init", "."], in: directory)
        #expect(again.status == 1)
        #expect(again.stderr == "error: \(directory): an org already exists here (lemming.json)\n")
    }
}
