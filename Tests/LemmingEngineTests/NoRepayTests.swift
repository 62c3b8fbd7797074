import LemmingCore
import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

/// A tick interrupted after some of its turns completed re-stages their recorded outcomes when it
/// runs again: no model call is paid twice, no tool with effects runs twice (issue 11 item 14,
/// DESIGN §5.6).
@Suite(.timeLimit(.minutes(1)))
struct NoRepayTests {
    final class Counters: Sendable {
        let calls = Mutex<[String: Int]>([:])
        let toolRuns = Mutex(0)
        /// b's model call hangs while this is set.
        let bHangs = Mutex(true)
        let events: AsyncStream<String>
        let signal: AsyncStream<String>.Continuation

        init() {
            (events, signal) = AsyncStream<String>.makeStream()
        }

        func calls(of agent: String) -> Int { calls.withLock { $0[agent] ?? 0 } }
    }

    struct Providers: ModelProviderFactory {
        let counters: Counters

        struct Provider: ModelProvider {
            let counters: Counters
            func complete(_ request: ChatRequest) async throws -> ChatResponse {
                counters.calls.withLock { $0[request.agent, default: 0] += 1 }
                if request.agent == "b", counters.bHangs.withLock({ $0 }) {
                    counters.signal.yield("b called")
                    try await Task.sleep(for: .seconds(3_600))
                }
                let text =
                    request.agent == "a"
                    ? #"{"tool_calls": [{"tool": "tally", "args": {}}], "notes": "counted"}"#
                    : #"{"notes": "done"}"#
                return ChatResponse(text: text, usage: TokenUsage(inputTokens: 100, outputTokens: 10))
            }
        }

        func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider {
            Provider(counters: counters)
        }
    }

    /// A tool with an effect outside the engine: it counts its runs.
    struct Tally: Tool {
        let counters: Counters
        let name = "tally"
        let summary = "Counts."
        let argumentSchema: JSONValue = ["type": "object"]
        func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
            let count = counters.toolRuns.withLock { value in
                value += 1
                return value
            }
            counters.signal.yield("tally ran")
            return ToolOutput(.success(name, "run \(count)"))
        }
    }

    struct Tools: ToolFactory {
        let counters: Counters
        func makeRegistry(config: OrgConfig, org: OrgPaths) throws -> ToolRegistry {
            ToolRegistry([Tally(counters: counters)])
        }
    }

    @Test func aTickInterruptedAfterATurnCompletedDoesNotCallItsModelOrRunItsToolsAgain() async throws {
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("a", model: "paid", extra: ["permissions": ["tools": ["tally"]]]),
                TestAgent("b", model: "paid"),
            ],
            models: ["paid": ["provider": "cli", "command": ["false"], "price_in_per_mtok": 1.0]])
        defer { org.remove() }
        let counters = Counters()
        let first = try await org.engine(tools: Tools(counters: counters), providers: Providers(counters: counters))
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await first.runTick() }
            // Interrupt once a's turn ran its tool and b's call is in flight.
            var seen: Set<String> = []
            for await event in counters.events {
                seen.insert(event)
                if seen == ["b called", "tally ran"] { break }
            }
            group.cancelAll()
            while await group.nextResult() != nil {}
        }
        await first.close()
        #expect(try org.turnRecords(of: "a").isEmpty)

        counters.bHangs.withLock { $0 = false }
        let recorder = EventRecorder()
        let second = try await org.engine(
            tools: Tools(counters: counters), sinks: [recorder], providers: Providers(counters: counters))
        let report = try await second.runTick()
        await second.close()

        #expect(report.turns.map(\.stopReason) == [.completed, .completed])
        #expect(counters.calls(of: "a") == 1)
        #expect(counters.calls(of: "b") == 2)
        #expect(counters.toolRuns.withLock { $0 } == 1)
        let record = try #require(try org.turnRecords(of: "a").first)
        #expect(record["tool_results"]?.arrayValue?.first?["output"] == "run 1")
        // Both calls are charged once: 100 tokens in at 1 credit per million each.
        let ledger = try #require(try org.readJSON("state/ledger.json"))
        #expect(ledger["a"]?["tokens_in"] == 100)
        #expect(ledger["b"]?["tokens_in"] == 100)
        let recovered = recorder.events(of: .recovered).first { $0.data["tick"] == 1 }
        #expect(recovered?.data["replies"] == 1)
        #expect(recovered?.data["tool_runs"] == 1)
        // The outcomes of the committed tick are forgotten when the next tick begins.
        let third = try await org.engine(tools: Tools(counters: counters), providers: Providers(counters: counters))
        _ = try await third.runTick()
        await third.close()
        let log = String(decoding: try #require(try org.read("state/journal/outcomes.jsonl")), as: UTF8.self)
        let ticks = try log.split(separator: "\n").map { try JSONValue.parse(String($0))["tick"] }
        #expect(ticks == [2, 2, 2])
    }
}
