import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct MessagingTests {
    @Test func parallelTurnsSeeEntriesFromTheNextTickOn() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("b", reads: ["a"])], replies: [.message("a", tick: 1, "hello")])
        defer { org.remove() }
        try await run(org, ticks: 3)
        let records = try org.turnRecords(of: "b")
        #expect(records.map(\.inboxIDs) == [[], ["00000001-a-01"], []])
    }

    @Test func sequentialTurnsSeeEntriesWrittenEarlierInTheSameTick() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("b", reads: ["a"])], replies: [.message("a", tick: 1, "hello")],
            config: ["execution": "sequential"])
        defer { org.remove() }
        try await run(org, ticks: 2)
        #expect(try org.turnRecords(of: "b").map(\.inboxIDs) == [["00000001-a-01"], []])
    }

    @Test func recipientsLimitWhoSeesAnEntry() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("b", reads: ["a"]), TestAgent("c", reads: ["a"])],
            replies: [.message("a", tick: 1, "only for b", to: ["b"])])
        defer { org.remove() }
        try await run(org, ticks: 2)
        #expect(try org.turnRecords(of: "b")[1].inboxIDs == ["00000001-a-01"])
        #expect(try org.turnRecords(of: "c")[1].inboxIDs == [])
        let entry = try #require(try org.entries(of: "a").first)
        #expect(entry.recipients == ["b"])
    }

    @Test func undeliverableEntriesAreKeptAndReported() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("d")],
            replies: [.message("a", tick: 1, "d cannot read me", to: ["d", "ghost"])])
        defer { org.remove() }
        let recorder = EventRecorder()
        try await run(org, ticks: 1, sinks: [recorder])
        #expect(try org.entries(of: "a").count == 1)
        let event = try #require(recorder.events(of: .entryUndeliverable).first)
        #expect(event.data["recipients"] == ["d", "ghost"])
        let status = try OrgStatus.read(root: org.root)
        #expect(status.warnings.contains("a wrote 1 entry addressed to agents that cannot read it"))
    }

    @Test func humanMessagesReachReadersAndUrgentOnesComeFirst() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("manager", reads: ["human"])], replies: [])
        defer { org.remove() }
        try await send(org, to: ["manager"], "routine")
        try await send(org, to: ["manager"], "fire!", priority: .urgent)
        try await run(org, ticks: 2)
        let records = try org.turnRecords(of: "manager")
        #expect(records.map(\.inboxIDs) == [["00000001-human-02", "00000001-human-01"], []])
    }

    @Test func whatDoesNotFitTheInboxWaitsForTheNextTurn() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("b", reads: ["human"])], replies: [], config: ["inbox": ["max_entries": 2]])
        defer { org.remove() }
        for number in 1...5 { try await send(org, to: ["b"], "message \(number)") }
        try await run(org, ticks: 4)
        let shown = try org.turnRecords(of: "b").map(\.inboxIDs)
        #expect(
            shown == [
                ["00000001-human-01", "00000001-human-02"], ["00000001-human-03", "00000001-human-04"],
                ["00000001-human-05"], [],
            ])
        let prompt = try #require(try org.turnRecords(of: "b")[0]["request"]?["messages"]?[1]?["content"]?.stringValue)
        #expect(prompt.contains("3 more new messages are waiting"))
    }

    @Test func repliesJoinTheThreadOfTheEntryTheyAnswer() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"])],
            replies: [
                ScriptLine(
                    "a", tick: 1,
                    ["outbox_entries": [["payload": ["text": "ok"], "reply_to": "00000001-human-01", "to": ["human"]]]]),
                ScriptLine(
                    "a", tick: 2, ["outbox_entries": [["payload": ["text": "?"], "reply_to": "00000099-x-01"]]]),
            ])
        defer { org.remove() }
        try await send(org, to: ["a"], "start")
        try await run(org, ticks: 2)
        let entries = try org.entries(of: "a")
        #expect(entries.map(\.thread) == ["00000001-human-01", "00000002-a-01"])
        #expect(try org.turnRecords(of: "a")[1].violationCodes == ["unknown_reply_to"])
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
