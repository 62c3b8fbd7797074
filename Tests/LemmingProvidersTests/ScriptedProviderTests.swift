import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

private func scriptedEntry(replies: JSONValue? = "replies.jsonl") throws -> ModelEntry {
    var document: JSONObject = ["provider": "scripted"]
    if let replies { document["replies"] = replies }
    return try modelEntry(document)
}

@Test(.timeLimit(.minutes(1)))
func repliesFileAnswersPerAgentAndTick() async throws {
    let org = try TemporaryOrg.make(
        agents: [],
        replies: [
            ScriptLine("manager", tick: 1, ["notes": "manager one"]),
            ScriptLine("manager", ["notes": "manager any"]),
            ScriptLine("planner", tick: 2, "plain text"),
        ])
    defer { org.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(), org: org.paths)

    let first = try await provider.complete(chatRequest(agent: "manager", tick: 1))
    #expect(try JSONValue.parse(first.text) == ["notes": "manager one"])
    #expect(first.finishReason == "stop")
    let later = try await provider.complete(chatRequest(agent: "manager", tick: 5))
    #expect(try JSONValue.parse(later.text) == ["notes": "manager any"])
    #expect(try await provider.complete(chatRequest(agent: "planner", tick: 2)).text == "plain text")
}

@Test(.timeLimit(.minutes(1)))
func noMatchingLineRepliesIdle() async throws {
    let org = try TemporaryOrg.make(agents: [], replies: [ScriptLine("planner", tick: 2, "plain text")])
    defer { org.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(), org: org.paths)
    let unknownAgent = try await provider.complete(chatRequest(agent: "manager", tick: 2))
    #expect(unknownAgent.text == #"{"notes":"idle"}"#)
    let otherTick = try await provider.complete(chatRequest(agent: "planner", tick: 3))
    #expect(otherTick.text == #"{"notes":"idle"}"#)
    #expect(ReplyParser(limits: OrgConfig.ReplyLimits()).parse(otherTick.text).notes == "idle")
}

@Test(.timeLimit(.minutes(1)))
func repliesFileIsReadAgainAfterItChanges() async throws {
    let org = try TemporaryOrg.make(agents: [], replies: [ScriptLine("manager", ["notes": "v1"])])
    defer { org.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(), org: org.paths)
    let path = org.paths.absolute("replies.jsonl")
    let before = try #require(FileSystem.info(path))
    #expect(try await provider.complete(chatRequest(agent: "manager")).text == #"{"notes":"v1"}"#)

    try org.writeReplies([ScriptLine("manager", ["notes": "version two, longer"])])
    let after = try #require(FileSystem.info(path))
    #expect(after.size != before.size)
    #expect(try await provider.complete(chatRequest(agent: "manager")).text == #"{"notes":"version two, longer"}"#)

    // Unchanged file: the same (cached) script keeps answering.
    #expect(try await provider.complete(chatRequest(agent: "manager")).text == #"{"notes":"version two, longer"}"#)
}

@Test(.timeLimit(.minutes(1)))
func repliesFileBrokenAfterConstructionFailsTheCallNotTheProcess() async throws {
    let org = try TemporaryOrg.make(agents: [], replies: [ScriptLine("manager", ["notes": "v1"])])
    defer { org.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(), org: org.paths)
    try org.writeBytes("replies.jsonl", Array("// header\n{\"agent\": \"manager\"\n".utf8))
    let malformed = await #expect(throws: ProviderError.self) {
        try await provider.complete(chatRequest(agent: "manager"))
    }
    #expect(malformed?.code == .configuration)
    #expect(malformed?.message.contains("line 2") == true)

    try FileSystem.remove(org.paths.absolute("replies.jsonl"))
    let missing = await #expect(throws: ProviderError.self) {
        try await provider.complete(chatRequest(agent: "manager"))
    }
    #expect(missing?.code == .configuration)
    #expect(missing?.message.contains("replies.jsonl") == true)
}

@Test func missingRepliesFileThrowsAtConstruction() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try scriptedEntry(replies: "scripts/replies.jsonl")
    let error = #expect(throws: LemmingError.self) {
        try ScriptedProvider(entry: entry, org: directory.paths)
    }
    #expect(error?.code == .notFound)
    #expect(error?.path == "scripts/replies.jsonl")
}

@Test func malformedRepliesFileThrowsAtConstruction() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    try directory.write("replies.jsonl", "{\"agent\": \"manager\", \"reply\": \"ok\"}\nnot json\n")
    let entry = try scriptedEntry()
    let error = #expect(throws: LemmingError.self) {
        try ScriptedProvider(entry: entry, org: directory.paths)
    }
    #expect(error?.code == .invalidFile)
    #expect(error?.field == "line 2")
}

@Test(arguments: [JSONValue.string(""), .int(3), .array(["replies.jsonl"])])
func repliesMustBeAFileName(replies: JSONValue) throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try scriptedEntry(replies: replies)
    let error = #expect(throws: LemmingError.self) {
        try ScriptedProvider(entry: entry, org: directory.paths)
    }
    #expect(error?.code == .invalidFile)
    #expect(error?.field == "m.replies")
}

@Test(.timeLimit(.minutes(1)))
func repliesPathIsRelativeToTheOrgNotTheWorkingDirectory() async throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    try directory.write("scripts/replies.jsonl", #"{"agent": "manager", "reply": "nested"}"#)
    let provider = try ScriptedProvider(
        entry: try scriptedEntry(replies: "scripts/replies.jsonl"), org: directory.paths)
    #expect(try await provider.complete(chatRequest(agent: "manager")).text == "nested")

    let absolute = try ScriptedProvider(
        entry: try scriptedEntry(replies: .string(directory.paths.absolute("scripts/replies.jsonl"))),
        org: OrgPaths(root: "/nonexistent-org"))
    #expect(try await absolute.complete(chatRequest(agent: "manager")).text == "nested")
}

@Test(.timeLimit(.minutes(1)))
func usageIsEstimatedFromTheText() async throws {
    let org = try TemporaryOrg.make(agents: [], replies: [ScriptLine("manager", ["notes": "a reply of some length"])])
    defer { org.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(), org: org.paths)
    let request = chatRequest(agent: "manager", prompt: String(repeating: "word ", count: 100))
    let response = try await provider.complete(request)
    let usage = try #require(response.usage)
    #expect(usage.isEstimated)
    #expect(usage.inputTokens > 0)
    #expect(usage.inputTokens == TokenEstimator.tokens(in: request.messages))
    #expect(usage.outputTokens == TokenEstimator.tokens(in: response.text))
    #expect(usage.outputTokens > 0)
}

@Test(.timeLimit(.minutes(1)))
func withoutRepliesItRunsTheSimulation() async throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let provider = try ScriptedProvider(entry: try scriptedEntry(replies: nil), org: directory.paths)
    let context = TurnContext(
        agent: "planner", tick: 4, inbox: [outboxEntry("manager", tick: 3, text: "Draft the spec")],
        readers: ["human", "writer"])
    let request = chatRequest(agent: "planner", tick: 4, context: context)
    let response = try await provider.complete(request)
    #expect(response.text == Simulation.reply(to: request))
    let reply = ReplyParser(limits: OrgConfig.ReplyLimits()).parse(response.text)
    #expect(reply.entries.first?.kind == "response")
    #expect(reply.entries.first?.recipients == ["manager"])
    #expect(response.usage?.isEstimated == true)

    let noContext = try await provider.complete(chatRequest(agent: "planner"))
    #expect(noContext.text == #"{"notes":"idle"}"#)
}

@Test(.timeLimit(.minutes(1)))
func builtInScriptedEntryRunsTheSimulation() async throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try #require(ModelRegistry.builtIn["scripted"])
    let provider = try ProviderFactory(environment: [:]).makeProvider(
        for: entry, registry: .builtIn, org: directory.paths)
    let context = TurnContext(agent: "planner", tick: 1, inbox: [], readers: [])
    let response = try await provider.complete(chatRequest(agent: "planner", context: context))
    #expect(response.text == #"{"notes":"idle"}"#)
}
