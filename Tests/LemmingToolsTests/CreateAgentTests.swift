import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct CreateAgentTests {
    static func resume(tools: [String], reads: [String], createAgents: Bool = false) -> JSONValue {
        var resume = toolAgent("template", tools: tools, reads: reads, createAgents: createAgents).resume
        if case .object(var object) = resume {
            object["name"] = nil
            resume = .object(object)
        }
        return resume
    }

    @Test func createsAnAgentWithinItsCreatorsMeans() async throws {
        let bossTools = ["create_agent", "file_read", "memory_read"]
        let org = try TemporaryOrg.make(
            agents: [
                toolAgent("boss", tools: bossTools, reads: ["human"], createAgents: true, maxCredits: 100),
                toolAgent("clerk", tools: ["create_agent"], every: 1000),
            ],
            replies: [
                calls(
                    "boss", tick: 1,
                    [
                        call("create_agent", ["name": "helper", "template": "helper", "credits": 30]),
                        call("create_agent", ["name": "greedy", "resume": Self.resume(tools: ["shell"], reads: [])]),
                        call("create_agent", ["name": "spy", "resume": Self.resume(tools: [], reads: ["*"])]),
                        call("create_agent", ["name": "peer", "resume": Self.resume(tools: [], reads: ["clerk"])]),
                        call("create_agent", ["name": "rich", "template": "helper", "credits": 1000]),
                        call("create_agent", ["name": "human", "template": "helper"]),
                        call("create_agent", ["name": "helper", "template": "helper"]),
                        call("create_agent", ["name": "Bad-Name", "template": "helper"]),
                        call("create_agent", ["name": "x", "template": "../../etc"]),
                        call("create_agent", ["name": "clerk", "template": "helper"]),
                        call("create_agent", ["name": "nothing"]),
                    ]),
                ScriptLine.message("helper", tick: 2, "reporting for duty", to: ["boss"]),
            ])
        defer { org.remove() }
        try org.write("templates/helper/resume.json", Self.resume(tools: ["file_read"], reads: ["boss"]))
        try await runWithTools(org, ticks: 2)

        let outcome = try results(org, "boss", tick: 1)
        #expect(outcome[0].success, "\(outcome[0])")
        let refusals = outcome.dropFirst().map { $0.error ?? "(succeeded)" }
        #expect(refusals[0].contains("more than its creator has: tools shell"), "\(refusals[0])")
        #expect(refusals[1].contains("more than its creator has: read_outboxes \"*\""), "\(refusals[1])")
        #expect(refusals[2].contains("more than its creator has: read_outboxes clerk"), "\(refusals[2])")
        #expect(refusals[3].contains("cannot give 1000"), "\(refusals[3])")
        #expect(refusals[4].contains("not a valid agent name"), "\(refusals[4])")
        #expect(refusals[5].contains("already exists"), "\(refusals[5])")
        #expect(refusals[6].contains("not a valid agent name"), "\(refusals[6])")
        #expect(refusals[7].contains("not a template name"), "\(refusals[7])")
        #expect(refusals[8].contains("already exists"), "\(refusals[8])")
        #expect(refusals[9] == "give a template or a resume")

        // The new agent exists on disk with the credits it was given, and runs from the next tick.
        let resume = try #require(try org.readJSON("agents/helper/resume.json"))
        #expect(resume["name"]?.stringValue == "helper")
        #expect(resume["credits"]?["max_credits"]?.doubleValue == 30)
        #expect(try org.entries(of: "helper").map(\.payload["text"]) == ["reporting for duty"])
        #expect(try FileOrgStore(paths: org.paths).load().agents.keys.contains("helper"))
        // The credits moved: the creator paid them out of its own balance.
        let ledger = try #require(try org.readJSON("state/ledger.json"))
        let bossBalance = try #require(ledger["boss"]?["balance"]?.doubleValue)
        let helperBalance = try #require(ledger["helper"]?["balance"]?.doubleValue)
        #expect(bossBalance <= 70 && bossBalance > 69)
        #expect(helperBalance <= 30 && helperBalance > 29)
    }

    @Test func createAgentIsACapabilityNotAName() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("hr", tools: ["create_agent"], createAgents: false)],
            replies: [calls("hr", tick: 1, [call("create_agent", ["name": "minion", "template": "helper"])])])
        defer { org.remove() }
        try org.write("templates/helper/resume.json", Self.resume(tools: [], reads: []))
        try await runWithTools(org, ticks: 1)
        let result = try #require(try results(org, "hr", tick: 1).first)
        #expect(!result.success && result.error == "hr may not create agents (permissions.create_agents)")
        #expect(try org.read("agents/minion/resume.json") == nil)
    }
}
