import LemmingCore
import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

/// Answers that are not answers keep the question (issue 11 item 7).
@Suite(.timeLimit(.minutes(1)))
struct UnusableReplyTests {
    /// Answers each call with the next response of a list (the last one again when it runs out).
    struct Responses: ModelProviderFactory {
        let list: [ChatResponse]
        let calls = Calls()

        final class Calls: Sendable {
            let count = Mutex(0)
            func next() -> Int {
                count.withLock { value in
                    defer { value += 1 }
                    return value
                }
            }
        }

        struct Provider: ModelProvider {
            let factory: Responses
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                let index = factory.calls.next()
                return factory.list[min(index, factory.list.count - 1)]
            }
        }

        func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider {
            Provider(factory: self)
        }
    }

    static let usage = TokenUsage(inputTokens: 1_000, outputTokens: 500)
    static let answer = ChatResponse(
        text: #"{"outbox_entries": [{"kind": "response", "to": ["human"], "payload": {"text": "pong"}}]}"#,
        usage: usage, finishReason: "stop")

    static func org() throws -> TemporaryOrg {
        try TemporaryOrg.make(agents: [TestAgent("a", reads: ["human"])], replies: [])
    }

    static func runTicks(_ org: TemporaryOrg, _ responses: [ChatResponse], ticks: Int) async throws -> [TickReport] {
        try await send(org, to: ["a"], "ping")
        let engine = try await org.engine(providers: Responses(list: responses))
        var reports: [TickReport] = []
        for _ in 0..<ticks { reports.append(try await engine.runTick()) }
        await engine.close()
        return reports
    }

    @Test(arguments: [
        (
            ChatResponse(
                text: #"{"outbox_entries": [{"kind": "resp"#, usage: usage, finishReason: "length", finish: .truncated),
            StopReason.truncated
        ),
        (ChatResponse(text: "", usage: usage, finishReason: "content_filter", finish: .refused), .refused),
        (ChatResponse(text: "", usage: usage, finishReason: "stop", reasoning: "let me think…"), .emptyReply),
        (ChatResponse(text: "  \n", usage: usage, finishReason: "stop"), .emptyReply),
    ])
    func anUnusableReplyIsChargedAndItsInputShownAgain(response: ChatResponse, reason: StopReason) async throws {
        let org = try Self.org()
        defer { org.remove() }
        let reports = try await Self.runTicks(org, [response, Self.answer], ticks: 2)
        #expect(reports.map { $0.turns.map(\.stopReason) } == [[reason], [.completed]])
        #expect(reports[0].failures == 1)
        // Both calls are charged: 1,000 tokens in at 1 credit and 500 out at 2 credits per million.
        #expect(reports.map(\.cost) == [0.002, 0.002])
        let records = try org.turnRecords(of: "a")
        #expect(records.map(\.stopReason) == [reason.rawValue, "completed"])
        #expect(records[0].inboxIDs == records[1].inboxIDs)
        #expect(records[0].inboxIDs.count == 1)
        #expect(try org.entries(of: "a").map(\.text) == ["pong"])
        let runtime = try #require(try org.readJSON("state/agents.json")?["a"])
        #expect(runtime["unusable_replies"] == nil)
        #expect(runtime["paused"] == false)
    }

    /// A streamed reply stopped at the size cap fails in the provider, but the model did answer.
    struct TooLarge: ModelProviderFactory {
        struct Provider: ModelProvider {
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                #expect(request.maxReplyBytes == 262_144)
                throw ProviderError(
                    .replyTooLarge, "the reply passed 262144 bytes",
                    usage: TokenUsage(inputTokens: 1_000, outputTokens: 500))
            }
        }
        func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider {
            Provider()
        }
    }

    @Test func aStreamStoppedAtTheSizeCapKeepsItsInputAndIsCharged() async throws {
        let org = try Self.org()
        defer { org.remove() }
        try await send(org, to: ["a"], "ping")
        let engine = try await org.engine(providers: TooLarge())
        let report = try await engine.runTick()
        await engine.close()
        #expect(report.turns.map(\.stopReason) == [.truncated])
        #expect(report.cost == 0.002)
        let runtime = try #require(try org.readJSON("state/agents.json")?["a"])
        #expect(runtime["unusable_replies"] == 1)
        #expect(runtime["feedback"]?["notice"]?.stringValue?.contains("longer than this organisation accepts") == true)
        #expect(try org.readJSON("state/cursors.json")?["a"]?["human"] == nil)
    }

    @Test func aCompleteObjectBeforeTheTokenLimitIsUsed() async throws {
        let org = try Self.org()
        defer { org.remove() }
        var cut = Self.answer
        cut.text += " And then I kept talking until"
        cut.finishReason = "length"
        cut.finish = .truncated
        let reports = try await Self.runTicks(org, [cut], ticks: 1)
        #expect(reports[0].turns.map(\.stopReason) == [.completed])
        #expect(try org.entries(of: "a").map(\.text) == ["pong"])
    }

    @Test func tooManyUnusableRepliesInARowPauseTheAgentAndTellTheHuman() async throws {
        let org = try Self.org()
        defer { org.remove() }
        let cut = ChatResponse(text: #"{"notes": "#, usage: Self.usage, finishReason: "length", finish: .truncated)
        let reports = try await Self.runTicks(org, [cut], ticks: 4)
        #expect(
            reports.map { $0.turns.map(\.stopReason) } == [[.truncated], [.truncated], [.truncated], []])
        #expect(reports[3].skipped == ["a": .paused])
        let status = try #require(try org.entries(of: "a").first { $0.kind == "status" })
        #expect(status.recipients == ["human"])
        #expect(status.meta["code"] == "unusable_replies")
        #expect(
            status.text.contains("cut off before its JSON object was complete (the token limit is max_tokens 1024)"))
        #expect(status.text.contains("Raise model.max_tokens"))
        let runtime = try #require(try org.readJSON("state/agents.json")?["a"])
        #expect(runtime["pause_reason"] == "unusable_replies")
        #expect(runtime["unusable_replies"] == 3)
        // Resuming clears the streak; the question is still unread.
        let engine = try await org.engine(providers: Responses(list: [Self.answer]))
        try await engine.apply([.resume(agent: "a")])
        let report = try await engine.runTick()
        await engine.close()
        #expect(report.turns.map(\.stopReason) == [.completed])
        #expect(try org.turnRecords(of: "a").last?.inboxIDs.count == 1)
    }
}

/// A turn record holds at most `limits.max_reply_bytes` of a reply (issue 11 item 10).
@Suite(.timeLimit(.minutes(1)))
struct TurnRecordBoundTests {
    @Test func aHugeReplyIsRefusedAndRecordedOnlyInPart() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"])], replies: [], config: ["limits": ["max_reply_bytes": 4_096]])
        defer { org.remove() }
        let huge = String(repeating: "é", count: 100_000)
        let response = ChatResponse(
            text: huge, usage: TokenUsage(inputTokens: 10, outputTokens: 10), reasoning: huge)
        try await send(org, to: ["a"], "ping")
        let engine = try await org.engine(providers: UnusableReplyTests.Responses(list: [response]))
        _ = try await engine.runTick()
        await engine.close()
        let line = try #require(try org.read("agents/a/logs/turns.jsonl"))
        #expect(line.count < 20_000)
        let record = try #require(try org.turnRecords(of: "a").first)
        #expect(record.violationCodes.contains("reply_too_large"))
        #expect(record.stopReason == "truncated")
        #expect(record["error"]?.stringValue?.contains("over limits.max_reply_bytes 4096") == true)
        #expect(record["reply"]?["text"]?.stringValue?.utf8.count == 4_096)
        #expect(record["reply"]?["text_bytes"] == 200_000)
        #expect(record["reply"]?["reasoning_bytes"] == 200_000)
    }
}
