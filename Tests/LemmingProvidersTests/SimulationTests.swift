import LemmingJSON
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// An agent of no known role (``SimulatedRole/generic``): the echo-and-follow-up behaviour.
private func simulate(
    agent: String = "analyst",
    tick: Int = 5,
    inbox: [OutboxEntry],
    readers: [String] = ["human", "writer"]
) -> (text: String, reply: ParsedReply) {
    let context = TurnContext(agent: agent, tick: tick, inbox: inbox, readers: readers)
    let text = Simulation.reply(to: chatRequest(agent: agent, tick: tick, context: context))
    return (text, ReplyParser(limits: OrgConfig.ReplyLimits()).parse(text))
}

@Test func answersEachMessageAndRequestWithAResponseToItsAuthor() throws {
    let message = outboxEntry("manager", tick: 3, text: "Please draft the spec for the login page.")
    let request = outboxEntry("designer", tick: 4, sequence: 2, kind: "request", text: "Need mockups reviewed")
    let (text, reply) = simulate(inbox: [message, request])
    #expect(reply.violations.isEmpty, "\(reply.violations)")

    let responses = reply.entries.filter { $0.kind == "response" }
    #expect(responses.count == 2)
    #expect(responses.map(\.recipients) == [["manager"], ["designer"]])
    #expect(responses.map(\.replyTo) == ["00000003-manager-01", "00000004-designer-02"])
    let firstText = try #require(responses.first?.payload["text"]?.stringValue)
    #expect(firstText.contains("analyst"))
    #expect(firstText.contains("00000003-manager-01"))
    #expect(firstText.contains("Please draft the spec"))

    #expect(
        reply.memoryUpdates == [
            MemoryUpdate(key: "last_handled", operation: .set, value: ["00000003-manager-01", "00000004-designer-02"])
        ])
    #expect(reply.notes == "handled 2 entries at tick 5")
    #expect(!text.isEmpty)
}

@Test func forwardsOneRequestToReadersWithTheHopCountIncremented() throws {
    let first = outboxEntry("manager", tick: 3, text: "Plan the release")
    let second = outboxEntry("manager", tick: 3, sequence: 2, text: "Also update the docs")
    let (_, reply) = simulate(inbox: [first, second], readers: ["human", "writer", "reviewer"])
    #expect(reply.violations.isEmpty, "\(reply.violations)")

    let requests = reply.entries.filter { $0.kind == "request" }
    #expect(requests.count == 1)
    let forwarded = try #require(requests.first)
    #expect(forwarded.meta["hops"] == 1)
    #expect(forwarded.replyTo == first.id.text)
    #expect(forwarded.payload["text"]?.stringValue?.contains("Plan the release") == true)
    // The follow-up goes to the readers (no explicit recipients), after the responses.
    #expect(forwarded.recipients == nil)
    #expect(reply.entries.last == forwarded)
}

@Test func hopCountGrowsFromTheLargestIncomingHopCount() throws {
    let inbox = [
        outboxEntry("manager", tick: 3, kind: "request", meta: ["hops": 0]),
        outboxEntry("designer", tick: 3, kind: "request", meta: ["hops": 1]),
    ]
    let (_, reply) = simulate(inbox: inbox, readers: ["writer"])
    let forwarded = try #require(reply.entries.first { $0.kind == "request" })
    #expect(forwarded.meta["hops"] == 2)
}

@Test(arguments: [2, 3])
func stopsForwardingOnceHopsReachTwo(hops: Int) throws {
    let entry = outboxEntry("manager", tick: 3, kind: "request", meta: ["hops": .int(hops)])
    let (_, reply) = simulate(inbox: [entry], readers: ["human", "writer", "reviewer"])
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.map(\.kind) == ["response"])
    #expect(reply.entries.first?.recipients == ["manager"])
}

@Test func doesNotForwardWhenOnlyHumanAndTheAuthorsReadIt() {
    let inbox = [outboxEntry("manager", tick: 3), outboxEntry("writer", tick: 3, kind: "request")]
    let (_, reply) = simulate(inbox: inbox, readers: ["human", "manager", "writer"])
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.map(\.kind) == ["response", "response"])

    let (_, nobody) = simulate(inbox: [outboxEntry("manager", tick: 3)], readers: [])
    #expect(nobody.entries.map(\.kind) == ["response"])
}

@Test(arguments: ["response", "report", "status"])
func updatesAreReadButNotAnswered(kind: String) {
    let (text, reply) = simulate(inbox: [outboxEntry("manager", tick: 3, kind: kind)])
    #expect(reply.violations.isEmpty)
    #expect(reply.entries.isEmpty)
    #expect(reply.memoryUpdates.isEmpty)
    #expect(reply.notes == "read 1 update(s)")
    #expect(text == #"{"notes":"read 1 update(s)"}"#)
}

@Test func onlyActionableEntriesAreAnsweredInAMixedInbox() {
    let inbox = [
        outboxEntry("manager", tick: 3, kind: "report"),
        outboxEntry("manager", tick: 3, sequence: 2, kind: "message"),
        outboxEntry("designer", tick: 3, kind: "status"),
    ]
    let (_, reply) = simulate(inbox: inbox, readers: [])
    #expect(reply.entries.map(\.replyTo) == ["00000003-manager-02"])
    #expect(reply.notes == "handled 1 entry at tick 5")
}

@Test func emptyInboxIsIdle() {
    let (text, reply) = simulate(inbox: [])
    #expect(text == #"{"notes":"idle"}"#)
    #expect(reply.violations.isEmpty)
    #expect(reply.notes == "idle")
}

@Test func requestWithoutContextIsIdle() {
    #expect(Simulation.reply(to: chatRequest()) == #"{"notes":"idle"}"#)
}

@Test func longTextsAreSummarisedInTwelveWords() throws {
    let long = (1...30).map { "w\($0)" }.joined(separator: " ")
    let (_, reply) = simulate(inbox: [outboxEntry("manager", tick: 3, text: long)], readers: [])
    let text = try #require(reply.entries.first?.payload["text"]?.stringValue)
    #expect(text.contains("“w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12…”"))
    #expect(!text.contains("w13"))
}

@Test func shortTextWithIrregularSpacingIsNotMarkedAsCut() throws {
    let (_, reply) = simulate(inbox: [outboxEntry("manager", tick: 3, text: "Ship  it\nnow ")], readers: [])
    let text = try #require(reply.entries.first?.payload["text"]?.stringValue)
    #expect(text.contains("“Ship it now”"))
    #expect(!text.contains("…"))
}

@Test func fullDefaultInboxStillFitsTheReplyContract() {
    let limit = OrgConfig.ReplyLimits().maxEntriesPerTurn
    #expect(OrgConfig(name: "t").inbox.maxEntries >= limit)
    let inbox = (1...limit).map { outboxEntry("manager", tick: 3, sequence: $0, text: "Task \($0)") }
    let (_, full) = simulate(inbox: inbox, readers: ["writer"])
    #expect(full.violations.isEmpty, "\(full.violations)")
    #expect(full.entries.count == limit)
    #expect(full.entries.allSatisfy { $0.kind == "response" && $0.recipients == ["manager"] })

    // One entry short of the limit: every entry answered and the follow-up still fits.
    let (_, roomy) = simulate(inbox: Array(inbox.dropLast()), readers: ["writer"])
    #expect(roomy.violations.isEmpty, "\(roomy.violations)")
    #expect(roomy.entries.count == limit)
    #expect(roomy.entries.last?.kind == "request")
}

@Test func inboxLargerThanTheReplyLimitIsAnsweredUpToTheLimit() {
    let limit = OrgConfig.ReplyLimits().maxEntriesPerTurn
    let inbox = (1...(limit + 5)).map { outboxEntry("manager", tick: 3, sequence: $0, text: "Task \($0)") }
    let (_, reply) = simulate(inbox: inbox, readers: ["writer"])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    #expect(reply.entries.map(\.replyTo) == inbox.prefix(limit).map(\.id.text))
    #expect(reply.notes == "handled \(limit) entries at tick 5")
}

@Test func outputIsDeterministicAndFollowsTheReplyContract() {
    let inbox = [
        outboxEntry("manager", tick: 3, text: "Draft the “spec” — with ünïcödé and \"quotes\"\nand lines"),
        outboxEntry("human", tick: 4, kind: "request", text: "Status?", meta: ["hops": 1]),
        outboxEntry("designer", tick: 4, kind: "report", text: "Done"),
    ]
    let (first, reply) = simulate(inbox: inbox, readers: ["human", "writer"])
    for _ in 0..<5 {
        #expect(simulate(inbox: inbox, readers: ["human", "writer"]).text == first)
    }
    #expect(Array(first.utf8) == Array(simulate(inbox: inbox, readers: ["human", "writer"]).text.utf8))
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    #expect(reply.entries.map(\.kind) == ["response", "response", "request"])
    #expect(reply.entries.map(\.recipients) == [["manager"], ["human"], nil])
    #expect(reply.entries.last?.meta["hops"] == 2)
}
