import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch
import LemmingTesting
import Testing

@testable import LemmingMCP

/// The operations behind the MCP tools, on a temporary org: the manager answers the human at
/// tick 1.
@Suite(.timeLimit(.minutes(1))) struct StandardOrgOperationsTests {
    static func makeOrg() throws -> TemporaryOrg {
        try TemporaryOrg.make(
            agents: [TestAgent("manager", reads: ["human"]), TestAgent("coder", reads: ["manager"])],
            replies: [ScriptLine("manager", tick: 1, ScriptLine.reply(["On it"], to: ["human"], kind: "response"))])
    }

    static func operations(_ org: TemporaryOrg, clock: any Clock<Duration> = ContinuousClock()) -> StandardOrgOperations
    {
        StandardOrgOperations(
            paths: org.paths,
            steer: { commands in
                try await OrgSteering(paths: org.paths, clock: TemporaryOrg.fixedClock) { try await org.engine() }
                    .submit(commands)
            },
            step: { try await Engine.step { try await org.engine() } }, index: { try SearchIndex.open(org.paths) },
            pollInterval: .milliseconds(100), clock: clock)
    }

    @Test func aMessageIsSentAndItsAnswerReadAfterIt() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let operations = Self.operations(org)
        let sent = try await operations.send(
            to: "manager", text: "Plan the launch", kind: "request", priority: .urgent, replyTo: nil)
        #expect(sent == ["status": "sent", "id": "00000001-human-01", "to": "manager"])
        #expect(try await operations.inbox(after: nil, limit: 20, waitSeconds: 0) == [])
        #expect(try await operations.step()["tick"] == 1)
        let answer = try await operations.inbox(after: "00000001-human-01", limit: 20, waitSeconds: 0)
        #expect(answer.arrayValue?.map { $0["id"] } == ["00000001-manager-01"])
        #expect(try await operations.inbox(after: "00000001-manager-01", limit: 20, waitSeconds: 0) == [])
        let human = try #require(try await operations.entry("00000001-human-01"))
        #expect(human["priority"] == "urgent")
        let reply = try await operations.send(
            to: "manager", text: "Thanks", kind: "message", priority: .low, replyTo: "00000001-manager-01")
        let thanksID = try #require(reply["id"]?.stringValue)
        let thanks = try #require(try await operations.entry(thanksID))
        #expect(thanks["reply_to"] == "00000001-manager-01")
        let entry = try #require(try await operations.entry("00000001-manager-01"))
        #expect(entry["archived"] == false)
        #expect(entry["recipients"] == ["human"])
    }

    @Test func theInboxWaitsForAnAnswerOnItsClock() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let clock = ManualClock()
        let operations = Self.operations(org, clock: clock)
        _ = try await operations.send(
            to: "manager", text: "Plan the launch", kind: "request", priority: .normal, replyTo: nil)
        async let answer = operations.inbox(after: "00000001-human-01", limit: 20, waitSeconds: 30)
        await clock.waitForSleepers(1)
        _ = try await operations.step()
        clock.advance(by: .milliseconds(100))
        #expect(try await answer.arrayValue?.map { $0["id"] } == ["00000001-manager-01"])

        // Nothing comes: it looks every 100 ms and gives up after 250 ms, the last pause cut short.
        let start = clock.now
        async let nothing = operations.inbox(after: "00000001-manager-01", limit: 20, waitSeconds: 0.25)
        for _ in 0..<2 {
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(100))
        }
        await clock.waitForSleepers(1, endingBy: start.advanced(by: .milliseconds(250)))
        clock.advance(by: .milliseconds(50))
        #expect(try await nothing == [])
    }

    @Test func badInputIsAClearError() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let operations = Self.operations(org)
        func send(_ agent: String, kind: String = "message", replyTo: String? = nil) async throws {
            _ = try await operations.send(to: agent, text: "x", kind: kind, priority: .normal, replyTo: replyTo)
        }
        await #expect(throws: LemmingError.self) { try await send("manager", kind: "Bad Kind") }
        await #expect(throws: LemmingError.self) { try await send("coder") }
        await #expect(throws: LemmingError.self) { try await send("manager", replyTo: "00000001-coder-01") }
        await #expect(throws: LemmingError.self) { try await send("manager", replyTo: "not an id") }
        await #expect(throws: LemmingError.self) {
            try await operations.inbox(after: "yesterday", limit: 5, waitSeconds: 0)
        }
        await #expect(throws: LemmingError.self) {
            try await operations.answer(request: "nope", approve: true, reason: nil)
        }
        #expect(try await operations.resume(of: "../etc") == nil)
        #expect(try await operations.resume(of: "human") == nil)
        #expect(try await operations.resume(of: "manager")?.contains(#""name""#) == true)
        #expect(try await operations.entry("garbage") == nil)
        #expect(try await operations.entry("00000009-manager-01") == nil)
        #expect(((try? FileSystem.list(org.paths.outbox(Names.human))) ?? []).isEmpty)
    }
}
