import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Cassettes (issue 15): recording every completed call of an entry, and the `cassette` provider
/// playing them back, strictly or by agent and tick.
@Suite(.timeLimit(.minutes(1)))
struct CassetteTests {
    /// A provider that answers with a fixed text per agent and counts its calls.
    struct Answering: ModelProvider {
        var text: @Sendable (ChatRequest) -> String = { "reply of \($0.agent) at \($0.tick)" }
        var failure: ProviderError?

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            if let failure { throw failure }
            return ChatResponse(
                text: text(request), usage: TokenUsage(inputTokens: 120, outputTokens: 7), finishReason: "stop",
                reasoning: "thought")
        }
    }

    func recorder(
        _ directory: ScratchDirectory, _ inner: any ModelProvider = Answering(), secrets: [String] = [],
        writers: CassetteWriters = CassetteWriters()
    ) -> RecordingProvider {
        RecordingProvider(
            inner: inner, writer: writers.writer(path: directory.paths.absolute("cassettes/run.jsonl"), file: "run"),
            modelKey: "m", model: "test-model", secrets: secrets)
    }

    func player(_ directory: ScratchDirectory, mode: String = "strict") throws -> CassetteProvider {
        try CassetteProvider(
            entry: modelEntry(["provider": "cassette", "cassette": "cassettes/run.jsonl", "mode": .string(mode)]),
            org: directory.paths)
    }

    func lines(_ directory: ScratchDirectory) throws -> [CassetteLine] {
        let text = try #require(try directory.read("cassettes/run.jsonl"))
        return try Cassette(bytes: Array(text.utf8), file: "run").lines
    }

    @Test func theRequestHashIsSHA256OfTheCanonicalEncodingAndTheSameOnEveryRun() {
        // sha256 of {"messages":[{"role":"system","content":"You are manager."},{"role":"user","content":
        // "What next?"}],"temperature":0.25,"max_tokens":512,"response_schema":{"type":"object"}}.
        let fingerprint = RequestFingerprint(chatRequest())
        #expect(fingerprint.sha256 == "78d3818b93ecd6429cbd96b18687b300aed070a70c5b4a147491adee04e28d9f")
        // sha256 of {"role":"user","content":"What next?"}.
        #expect(fingerprint.messages[1].sha256 == "3b13f17e93ba096f991f8d15e9a03d17550b8de1ef747c061aa5988cf2b4fd96")
        // Agent, tick and model key find a line; they are not part of the request.
        var elsewhere = chatRequest(agent: "manager", tick: 9)
        elsewhere.modelKey = "other"
        #expect(RequestFingerprint(elsewhere).sha256 == fingerprint.sha256)
        var warmer = chatRequest()
        warmer.temperature = 0.7
        #expect(RequestFingerprint(warmer).sha256 != fingerprint.sha256)
    }

    @Test func recordedRepliesPlayBackExactlyInStrictMode() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let recording = recorder(directory)
        let recorded = try await recording.complete(chatRequest(agent: "manager", tick: 3))
        _ = try await recording.complete(chatRequest(agent: "planner", tick: 3))

        let line = try #require(try lines(directory).first)
        #expect(line.agent == "manager" && line.tick == 3 && line.modelKey == "m" && line.model == "test-model")
        #expect(line.request == RequestFingerprint(chatRequest(agent: "manager", tick: 3)))
        let played = try await player(directory).complete(chatRequest(agent: "manager", tick: 3))
        #expect(played == recorded)
        #expect(played.usage == TokenUsage(inputTokens: 120, outputTokens: 7))
        #expect(played.reasoning == "thought" && played.finishReason == "stop")
    }

    @Test func cacheCountsAreRecordedAndPlayedBackAndBreakpointsAreNotPartOfTheHash() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let usage = TokenUsage(inputTokens: 1_200, outputTokens: 9, cacheReadTokens: 900, cacheWriteTokens: 200)
        let cached = Answering(text: { _ in "cached" })
        struct WithUsage: ModelProvider {
            let inner: Answering
            let usage: TokenUsage
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                var response = try await inner.complete(request)
                response.usage = usage
                return response
            }
        }
        let recording = recorder(directory, WithUsage(inner: cached, usage: usage))
        _ = try await recording.complete(cachedRequest(agent: "manager", tick: 3))
        let text = try #require(try directory.read("cassettes/run.jsonl"))
        #expect(text.contains(#""cache_read_input_tokens":900,"cache_creation_input_tokens":200"#))
        let played = try await player(directory).complete(cachedRequest(agent: "manager", tick: 3))
        #expect(played.usage == usage)
        var unmarked = cachedRequest(agent: "manager", tick: 3)
        unmarked.cacheBreakpoints = []
        #expect(RequestFingerprint(unmarked) == RequestFingerprint(cachedRequest(agent: "manager", tick: 3)))
    }

    @Test func aStrictMismatchNamesTheFirstDifferingMessageWithBothExcerpts() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        _ = try await recorder(directory).complete(
            chatRequest(agent: "coder", tick: 2, prompt: "Please draft the spec for the login page, with tests."))

        let changed = chatRequest(
            agent: "coder", tick: 2, prompt: "Please draft the spec for the signup page, with tests.")
        let error = await #expect(throws: ProviderError.self) { try await player(directory).complete(changed) }
        #expect(error?.code == .cassetteMismatch)
        let message = try #require(error?.message)
        #expect(message.contains("coder at tick 2"), "\(message)")
        #expect(message.contains("message 2 (user) differs at character 31"), "\(message)")
        #expect(message.contains("now “… draft the spec for the signup page, with tests.”"), "\(message)")
        #expect(message.contains("recorded “… draft the spec for the login page, with tests.”"), "\(message)")

        // The same request in lenient mode plays the line anyway.
        let lenient = try await player(directory, mode: "lenient").complete(changed)
        #expect(lenient.text == "reply of coder at 2")
    }

    @Test func aStrictMismatchInTheParametersOrTheNumberOfMessagesSaysSo() async throws {
        let recorded = RequestFingerprint(chatRequest())
        var hotter = chatRequest()
        hotter.temperature = 0.9
        #expect(
            RequestFingerprint(hotter).difference(from: recorded)
                == "the messages are the same, the temperature differs: now 0.9, recorded 0.25")
        var longer = chatRequest()
        longer.messages.append(ChatMessage(role: .assistant, content: "An extra turn."))
        let difference = try #require(RequestFingerprint(longer).difference(from: recorded))
        #expect(difference.hasPrefix("the request has 3 messages, the recording 2: message 3 (assistant) is new"))
        #expect(RequestFingerprint(chatRequest()).difference(from: recorded) == nil)
    }

    @Test func lenientModeGoesByAgentAndTickThenByOrder() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let counter = Mutex(0)
        let recording = recorder(
            directory,
            Answering(text: { request in
                let call = counter.withLock { value in
                    value += 1
                    return value
                }
                return "call \(call) of \(request.agent)"
            }))
        _ = try await recording.complete(chatRequest(agent: "a", tick: 1, prompt: "first"))
        _ = try await recording.complete(chatRequest(agent: "a", tick: 1, prompt: "second"))
        _ = try await recording.complete(chatRequest(agent: "a", tick: 2))

        let lenient = try player(directory, mode: "lenient")
        #expect(try await lenient.complete(chatRequest(agent: "a", tick: 1, prompt: "anything")).text == "call 1 of a")
        #expect(try await lenient.complete(chatRequest(agent: "a", tick: 1, prompt: "else")).text == "call 2 of a")
        let error = await #expect(throws: ProviderError.self) {
            try await lenient.complete(chatRequest(agent: "a", tick: 1))
        }
        #expect(error?.message.contains("2 recorded calls of a at tick 1, all played") == true)

        // Strict: the line whose request is the same, whatever the order.
        let strict = try player(directory)
        #expect(try await strict.complete(chatRequest(agent: "a", tick: 1, prompt: "second")).text == "call 2 of a")
        #expect(try await strict.complete(chatRequest(agent: "a", tick: 1, prompt: "first")).text == "call 1 of a")
        // Asked again, the same request gets the same answer.
        #expect(try await strict.complete(chatRequest(agent: "a", tick: 1, prompt: "first")).text == "call 1 of a")
    }

    @Test func aMissingLineIsAClearFailure() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        _ = try await recorder(directory).complete(chatRequest(agent: "a", tick: 1))
        for mode in ["strict", "lenient"] {
            let error = await #expect(throws: ProviderError.self) {
                try await player(directory, mode: mode).complete(chatRequest(agent: "a", tick: 2))
            }
            #expect(error?.code == .cassetteMismatch)
            #expect(error?.message == "cassettes/run.jsonl has no recorded call of a at tick 2")
        }
    }

    @Test func failedCallsAreRecordedAndPlayedBackAsTheSameFailure() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let failure = ProviderError(
            .http, "HTTP 503: overloaded", usage: TokenUsage(inputTokens: 5, outputTokens: 0), httpStatus: 503)
        await #expect(throws: ProviderError.self) {
            try await recorder(directory, Answering(failure: failure)).complete(chatRequest())
        }
        let error = await #expect(throws: ProviderError.self) { try await player(directory).complete(chatRequest()) }
        #expect(error?.code == .http && error?.message == "HTTP 503: overloaded" && error?.httpStatus == 503)
        #expect(error?.usage == TokenUsage(inputTokens: 5, outputTokens: 0))
    }

    @Test func secretsNeverReachTheCassette() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let key = "sk-test-0123456789abcdef"
        let leaky = Answering(text: { _ in "my key is \(key), do not tell" })
        let response = try await recorder(directory, leaky, secrets: [key]).complete(chatRequest())
        #expect(response.text == "my key is [redacted], do not tell")
        let text = try #require(try directory.read("cassettes/run.jsonl"))
        #expect(!text.contains(key))
        #expect(text.contains("my key is [redacted], do not tell"))
    }

    @Test func aTurnRunAgainAfterACrashReplacesItsLineInsteadOfAddingOne() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let before = recorder(directory, Answering(text: { "before the crash: \($0.agent)" }))
        _ = try await before.complete(chatRequest(agent: "a", tick: 4))
        _ = try await before.complete(chatRequest(agent: "b", tick: 4))

        // A new process (new writers) runs the interrupted tick again: a's call is made again.
        let after = recorder(directory, Answering(text: { "after the restart: \($0.agent)" }))
        _ = try await after.complete(chatRequest(agent: "a", tick: 4))
        var recorded = try lines(directory)
        #expect(recorded.map(\.agent) == ["b", "a"])
        #expect(try recorded[1].outcome.get().text == "after the restart: a")

        // A second call of a at tick 4 in the same process is a call of its own: it appends.
        _ = try await after.complete(chatRequest(agent: "a", tick: 4, prompt: "again"))
        recorded = try lines(directory)
        #expect(recorded.map(\.agent) == ["b", "a", "a"])
    }

    @Test func aTornTailIsCutBeforeTheNextLine() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        _ = try await recorder(directory).complete(chatRequest(agent: "a", tick: 1))
        let whole = try #require(try directory.read("cassettes/run.jsonl"))
        try directory.write("cassettes/run.jsonl", whole + #"{"agent":"b","tick":1,"requ"#)
        // A reader ignores the torn tail.
        #expect(try player(directory).cassette().lines.count == 1)

        _ = try await recorder(directory).complete(chatRequest(agent: "c", tick: 1))
        #expect(try lines(directory).map(\.agent) == ["a", "c"])
    }

    @Test func concurrentCallsOfOneTickWriteWholeLines() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let writers = CassetteWriters()
        // Two entries recording to the same file share its writer.
        let first = recorder(directory, writers: writers)
        let second = recorder(
            directory, Answering(text: { String(repeating: "x", count: 70_000) + $0.agent }), writers: writers)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let provider = index.isMultiple(of: 2) ? first : second
                    _ = try await provider.complete(chatRequest(agent: "agent\(index)", tick: 1))
                }
            }
            try await group.waitForAll()
        }
        let recorded = try lines(directory)
        #expect(recorded.count == 40)
        #expect(Set(recorded.map(\.agent)) == Set((0..<40).map { "agent\($0)" }))
    }

    @Test(arguments: [
        ("/tmp/run.jsonl", "m.record"), ("../run.jsonl", "m.record"), ("cassettes/../../run.jsonl", "m.record"),
        ("", "m.record"), ("cassettes/", "m.record"),
    ])
    func recordMustBeAPathInsideTheOrg(path: String, field: String) {
        let bytes = JSONWriter(style: .compact).bytes(["m": ["provider": "scripted", "record": .string(path)]])
        let (registry, issues) = ModelRegistry.load(bytes)
        #expect(registry["m"] == nil)
        #expect(issues.contains { $0.field == field && $0.isError })
    }

    @Test func aRecordingEntryGetsARecorderFromTheFactory() async throws {
        let org = try TemporaryOrg.make(agents: [])
        defer { org.remove() }
        let registry = try modelRegistry(["m": ["provider": "scripted", "record": "cassettes/sim.jsonl"]])
        let entry = try #require(registry["m"])
        #expect(entry.record == "cassettes/sim.jsonl")
        let provider = try ProviderFactory(environment: [:]).makeProvider(
            for: entry, registry: registry, org: org.paths)
        #expect(provider is RecordingProvider)
        _ = try await provider.complete(chatRequest(agent: "a", tick: 1))
        let bytes = try #require(try org.read("cassettes/sim.jsonl"))
        #expect(try Cassette(bytes: bytes, file: "sim").lines(for: .init(agent: "a", tick: 1)).count == 1)
    }

    @Test(arguments: [
        (["provider": "cassette"] as JSONObject, "m.cassette"),
        (["provider": "cassette", "cassette": "run.jsonl", "mode": "loose"] as JSONObject, "m.mode"),
    ])
    func aCassetteEntryNamesItsWrongField(document: JSONObject, field: String) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        try directory.write("run.jsonl", "")
        let error = #expect(throws: LemmingError.self) {
            try CassetteProvider(entry: modelEntry(document), org: directory.paths)
        }
        #expect(error?.field == field)
    }

    @Test func aMissingOrBrokenCassetteIsAnErrorNamingTheFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let missing = #expect(throws: LemmingError.self) { try player(directory) }
        #expect(missing?.code == .notFound && missing?.path == "cassettes/run.jsonl")
        try directory.write("cassettes/run.jsonl", "{\"agent\": \"a\"}\n")
        let broken = #expect(throws: LemmingError.self) { try player(directory) }
        #expect(broken?.field == "line 1" && broken?.message.contains("tick") == true)
    }
}
