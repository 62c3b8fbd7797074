import LemmingCore
import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

/// A provider that counts how many calls are in flight at once.
final class CountingProvider: ModelProvider, ModelProviderFactory {
    private let state = Mutex((current: 0, maximum: 0, calls: 0))

    var maximum: Int { state.withLock { $0.maximum } }
    var calls: Int { state.withLock { $0.calls } }

    func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider {
        self
    }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        state.withLock {
            $0.current += 1
            $0.calls += 1
            $0.maximum = max($0.maximum, $0.current)
        }
        try? await Task.sleep(for: .milliseconds(40))
        state.withLock { $0.current -= 1 }
        return ChatResponse(text: #"{"notes":"ok"}"#, usage: TokenUsage(inputTokens: 10, outputTokens: 2))
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ConcurrencyTests {
    @Test func parallelTurnsOverlapUpToTheConcurrencyLimit() async throws {
        let agents = (1...10).map { TestAgent("agent_\($0)") }
        let org = try TemporaryOrg.make(agents: agents, config: ["max_concurrent_turns": 3])
        defer { org.remove() }
        let provider = CountingProvider()
        let engine = try await org.engine(providers: provider)
        let report = try await engine.runTick()
        await engine.close()
        #expect(report.turns.count == 10)
        #expect(provider.calls == 10)
        #expect(provider.maximum <= 3)
        #expect(provider.maximum >= 2)
        // Turns are committed in firing order whatever order the calls finished in.
        #expect(report.turns.map(\.agent) == agents.map(\.name).sorted())
    }

    @Test func sequentialTurnsNeverOverlap() async throws {
        let org = try TemporaryOrg.make(
            agents: (1...4).map { TestAgent("agent_\($0)") }, config: ["execution": "sequential"])
        defer { org.remove() }
        let provider = CountingProvider()
        let engine = try await org.engine(providers: provider)
        _ = try await engine.runTick()
        await engine.close()
        #expect(provider.calls == 4)
        #expect(provider.maximum == 1)
    }
}
