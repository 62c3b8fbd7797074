import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingTesting
import LemmingTools
import Synchronization
import Testing

@testable import LemmingSearch

/// An embedder that counts what it is asked to embed.
final class CountingEmbedder: EmbeddingProvider {
    let inner = ScriptedEmbedder()
    let texts = Mutex<[[String]]>([])

    func embed(_ texts: [String]) async throws -> Embeddings {
        self.texts.withLock { $0.append(texts) }
        return try await inner.embed(texts)
    }
}

let memoryScript: [ScriptLine] = [
    ScriptLine(
        "manager", tick: 1,
        reply(memory: [
            "launch": "ship the login page before the product launch",
            "lunch": "order sandwiches for the team lunch on friday",
            "budget": "the quarterly budget review with finance",
        ])),
    ScriptLine("coder", tick: 1, reply(memory: ["login": "the login page uses the new design system"])),
]

@Suite(.timeLimit(.minutes(2))) struct SemanticMemoryTests {
    @Test func embedsEachRecordOnceAndRanksByMeaning() async throws {
        let org = try makeOrg(memoryScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        let embedder = CountingEmbedder()
        let memory = SemanticMemory(
            index: index, embedder: embedder, model: "sim",
            pricing: Pricing(inputPerMillion: 1, outputPerMillion: 0, perCall: 0))
        let first = try await memory.rank("the login page launch", agents: ["manager"], limit: 10)
        #expect(first.matches.map(\.key).first == "launch")
        #expect(first.matches.count == 3)
        #expect(first.embedded == 3)
        #expect(first.cost > 0)
        #expect(embedder.texts.withLock { $0.last?.count } == 4)
        // The vectors are kept: the next search embeds the query only.
        let second = try await memory.rank("team lunch", agents: ["manager"], limit: 10)
        #expect(second.embedded == 0)
        #expect(second.matches.first?.key == "lunch")
        #expect(embedder.texts.withLock { $0.last } == ["team lunch"])
        // Every agent's records, when no agent is named.
        let everyone = try await memory.rank("login page design", agents: nil, limit: 2)
        #expect(Set(everyone.matches.map(\.key)) == ["launch", "login"])
    }

    @Test func aChangedRecordIsEmbeddedAgainAndADeletedOneIsGone() async throws {
        let script =
            memoryScript + [
                ScriptLine("manager", tick: 2, reply(memory: ["budget": "the yearly budget is approved"])),
                ScriptLine("manager", tick: 3, ["memory_updates": [["op": "delete", "key": "lunch"]]]),
            ]
        let org = try makeOrg(script)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        let embedder = CountingEmbedder()
        let memory = SemanticMemory(index: index, embedder: embedder, model: "sim", pricing: .free)
        try await org.run(ticks: 1, sinks: [indexer])
        indexer.update()
        #expect(try await memory.rank("budget", agents: ["manager"], limit: 10).embedded == 3)
        try await org.run(ticks: 2, sinks: [indexer])
        indexer.update()
        let after = try await memory.rank("budget", agents: ["manager"], limit: 10)
        #expect(after.embedded == 1)
        #expect(Set(after.matches.map(\.key)) == ["launch", "budget"])
        // Another model's vectors do not count.
        let other = SemanticMemory(index: index, embedder: embedder, model: "other", pricing: .free)
        #expect(try await other.rank("budget", agents: ["manager"], limit: 10).embedded == 2)
    }

    @Test func rankingsFuseByReciprocalRank() {
        #expect(IndexedMemoryRanking.fuse([["a", "b", "c"], ["c", "a"]], limit: 10) == ["a", "c", "b"])
        #expect(IndexedMemoryRanking.fuse([["a"], ["b"]], limit: 10) == ["a", "b"])
        #expect(IndexedMemoryRanking.fuse([["a", "b", "c"], []], limit: 2) == ["a", "b"])
        #expect(IndexedMemoryRanking.anyWord("login-page, launch!") == "\"login\" OR \"page\" OR \"launch\"")
        #expect(IndexedMemoryRanking.anyWord("?! -") == nil)
    }

    @Test(arguments: [OrgConfig.MemoryRankingMode.hybrid, .semantic])
    func memorySearchRanksThroughTheIndexAndChargesTheAgent(_ mode: OrgConfig.MemoryRankingMode) async throws {
        let script =
            memoryScript + [
                ScriptLine(
                    "manager", tick: 2,
                    ["tool_calls": [["tool": "memory_search", "args": ["query": "login launch"]]]])
            ]
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("coder"),
                TestAgent(
                    "manager",
                    extra: ["permissions": ["read_outboxes": ["human"], "tools": ["memory_search"]]]),
            ],
            replies: script, config: ["search": ["embeddings": "sim", "memory_ranking": .string(mode.rawValue)]])
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        var tools = BuiltinToolFactory(environment: TestSandbox.environment())
        tools.memoryRanking = { paths, config in
            IndexedMemoryRanking(
                index: SearchIndex(paths),
                semantic: SemanticMemory(
                    index: SearchIndex(paths), embedder: ScriptedEmbedder(), model: "sim",
                    pricing: Pricing(inputPerMillion: 1_000, outputPerMillion: 0, perCall: 0)),
                mode: config.search.memoryRanking)
        }
        try await org.run(ticks: 1, tools: tools, sinks: [indexer])
        indexer.update()
        let before = try #require(try org.readJSON("state/ledger.json")?["manager"]?["spent"]?.doubleValue)
        let recorder = EventRecorder()
        try await org.run(ticks: 1, tools: tools, sinks: [recorder])
        let record = try #require(try org.turnRecords(of: "manager").last)
        let output = try #require(record["tool_results"]?.arrayValue?.first?["output"]?.stringValue)
        #expect(output.hasPrefix("launch: "))
        #expect(output.contains("lunch: ") || mode == .semantic)
        let charge = try #require(recorder.events(of: .creditsChanged).first { $0.data["reason"] == "embeddings" })
        let cost = -(charge.data["amount"]?.doubleValue ?? 0)
        #expect(cost > 0)
        let after = try #require(try org.readJSON("state/ledger.json")?["manager"]?["spent"]?.doubleValue)
        #expect(after >= before + cost)
    }

    @Test func theIndexHoldsNoSecret() async throws {
        let key = "sk-test-" + UUID().uuidString
        let org = try makeOrg(memoryScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        try await FakeModelServer.with(format: .openAI) { server in
            server.enqueue(.embeddings(.init()))
            try org.write(
                "models.json",
                [
                    "sim": ["provider": "scripted", "replies": "replies.jsonl"],
                    "embed": [
                        "provider": "openai_compatible", "model": "e", "base_url": .string(server.baseURL),
                        "api_key_env": "TEST_EMBED_KEY",
                    ],
                ])
            let providers = ProviderFactory(environment: ["TEST_EMBED_KEY": key])
            let registry = ModelRegistry.load(try org.read("models.json")).0
            let embedder = try providers.makeEmbedder(
                for: try #require(registry["embed"]), registry: registry, org: org.paths)
            let memory = SemanticMemory(index: index, embedder: embedder, model: "embed", pricing: .free)
            #expect(try await memory.rank("login", agents: nil, limit: 5).embedded == 4)
            #expect(server.requests.first?.header("Authorization") == "Bearer " + key)
        }
        index.close()
        for suffix in ["", "-wal"] {
            let bytes = try FileSystem.readIfPresent(org.paths.searchIndex + suffix) ?? []
            #expect(!String(decoding: bytes, as: UTF8.self).contains(key))
        }
    }
}
