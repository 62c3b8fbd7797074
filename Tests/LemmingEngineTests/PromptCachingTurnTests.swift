import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingTesting
import Testing

/// Prompt caching end to end (issue 16): the engine's layout, a provider that caches prompt
/// prefixes (simulated by the fake server), and the cache counts in turn records, events and the
/// ledger, priced at the cache prices.
@Suite(.timeLimit(.minutes(2)))
struct PromptCachingTurnTests {
    static func org(server: FakeModelServer, provider: String) throws -> TemporaryOrg {
        let entry: JSONObject = [
            "provider": .string(provider), "model": "test-model", "base_url": .string(server.baseURL),
            "price_in_per_mtok": 3.0, "price_out_per_mtok": 15.0, "price_cached_in_per_mtok": 0.3,
            "price_cache_write_per_mtok": 3.75, "timeout_seconds": 5,
        ]
        return try TemporaryOrg.make(
            agents: [TestAgent("worker", reads: ["human"], model: "remote")], models: ["remote": .object(entry)])
    }

    /// Two turns of the same agent, a new message before each.
    static func twoTurns(_ org: TemporaryOrg, events: EventRecorder) async throws {
        let engine = try await org.engine(
            sinks: [events], providers: ProviderFactory(environment: [:], clock: ManualClock(skipping: .seconds(1))))
        for text in ["First task: write the plan.", "Second task: review the plan, then report."] {
            try await engine.apply([.send(HumanMessage(to: ["worker"], text: text, priority: .normal))])
            _ = try await engine.runTick()
        }
        await engine.close()
    }

    /// Anthropic's blocks of a request body, in cache order, up to and with the last one marked.
    static func markedPrefix(_ body: JSONValue?) -> String {
        body.map(FakeModelServer.anthropicCachedPrefix(of:)) ?? ""
    }

    @Test func theSecondTurnOfAnUnchangedAgentReadsItsWholeStablePrefixFromTheCache() async throws {
        try await FakeModelServer.with(format: .anthropic) { server in
            server.simulatePrefixCache(PrefixCacheSimulator(mode: .breakpoints))
            server.whenIdle(.text(#"{"notes": "on it"}"#, outputTokens: 10))
            let org = try Self.org(server: server, provider: "anthropic")
            defer { org.remove() }
            let events = EventRecorder()
            try await Self.twoTurns(org, events: events)

            // The stable prefix is the same, byte for byte, on both turns; the rest is not.
            let bodies = server.requests.map(\.body)
            #expect(bodies.count == 2)
            let prefix = Self.markedPrefix(bodies[0])
            #expect(!prefix.isEmpty)
            #expect(Array(Self.markedPrefix(bodies[1]).utf8) == Array(prefix.utf8))
            #expect(bodies[0]?["messages"] != bodies[1]?["messages"])
            let prefixTokens = TokenEstimator.tokens(in: prefix)

            // The first turn writes the prefix, the second reads all of it and writes nothing.
            let records = try org.turnRecords(of: "worker")
            #expect(records.count == 2)
            let first = try #require(records.first?["usage"])
            let second = try #require(records.last?["usage"])
            #expect(first["cache_creation_input_tokens"]?.intValue == prefixTokens)
            #expect(first["cache_read_input_tokens"]?.intValue == 0)
            #expect(second["cache_read_input_tokens"]?.intValue == prefixTokens)
            #expect(second["cache_creation_input_tokens"]?.intValue == 0)
            let input = try #require(second["input_tokens"]?.intValue)
            #expect(input > prefixTokens)

            // Priced at the cache prices: reads at 0.3, writes at 3.75, the rest at 3 per Mtok.
            let usage = TokenUsage(json: second)
            let expected = Credits.round(
                Double(input - prefixTokens) * 3 / 1_000_000 + Double(prefixTokens) * 0.3 / 1_000_000
                    + 10 * 15 / 1_000_000)
            #expect(abs((records.last?["cost"]?.doubleValue ?? 0) - expected) < 1e-9)
            #expect(usage.cacheReadTokens == prefixTokens)

            // The ledger and the events carry the counts.
            let ledger = try #require(try org.readJSON("state/ledger.json"))
            #expect(ledger["worker"]?["tokens_cache_read"]?.intValue == prefixTokens)
            #expect(ledger["worker"]?["tokens_cache_write"]?.intValue == prefixTokens)
            let finished = events.events.filter { $0.kind == .turnFinished }
            #expect(finished.map { $0.data["cache_read_input_tokens"]?.intValue } == [0, prefixTokens])
            #expect(finished.map { $0.data["cache_creation_input_tokens"]?.intValue } == [prefixTokens, 0])
        }
    }

    @Test func anOpenAIAgentKeepsItsCacheKeyAndItsPrefixIsCachedOnTheSecondTurn() async throws {
        try await FakeModelServer.with(format: .openAI) { server in
            server.simulatePrefixCache(PrefixCacheSimulator(mode: .longestPrefix))
            server.whenIdle(.text(#"{"notes": "on it"}"#, outputTokens: 10))
            let org = try Self.org(server: server, provider: "openai")
            defer { org.remove() }
            try await Self.twoTurns(org, events: EventRecorder())

            let bodies = server.requests.compactMap(\.body)
            #expect(bodies.count == 2)
            let key = try #require(bodies.first?["prompt_cache_key"]?.stringValue)
            #expect(key.hasSuffix("/worker"))
            #expect(bodies.last?["prompt_cache_key"]?.stringValue == key)
            #expect(bodies.first?["prompt_cache_retention"] == nil)

            // Everything up to the tick is the same on both turns, and is what the second reads.
            let messages = try #require(bodies.first?["messages"]?.arrayValue)
            let system = messages.first?["content"]?.stringValue ?? ""
            let user = messages.last?["content"]?.stringValue ?? ""
            let stable = system + String(user[..<(user.range(of: "## This turn")?.lowerBound ?? user.startIndex)])
            let records = try org.turnRecords(of: "worker")
            let read = try #require(records.last?["usage"]?["cache_read_input_tokens"]?.intValue)
            #expect(read >= stable.utf8.count / 4)
            #expect(read < (records.last?["usage"]?["input_tokens"]?.intValue ?? 0))
            #expect(records.first?["usage"]?["cache_read_input_tokens"]?.intValue == 0)
        }
    }
}
