import LemmingCore
import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

/// Event sequence numbers are owned by one counter persisted with each commit, and events are
/// published only once committed (issue 11 item 13, DESIGN §5.6).
@Suite(.timeLimit(.minutes(1)))
struct EventNumberingTests {
    @Test func restartsAndAnAbandonedTickNeverReuseANumber() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"])], replies: [.message("a", "hello")],
            config: ["loop_detection": ["repeat_limit": 0]])
        defer { org.remove() }
        let recorder = EventRecorder()
        try await org.run(ticks: 2, sinks: [recorder])
        try await org.abandonATick(sinks: [recorder])
        try await org.run(ticks: 1, sinks: [recorder])

        let logged = try String(decoding: #require(try org.read("logs/engine.jsonl")), as: UTF8.self)
            .split(separator: "\n").map { try #require(EngineEvent(json: try JSONValue.parse(String($0)))) }
        #expect(logged.map(\.sequence) == Array(1...logged.count))
        #expect(recorder.events == logged)
        #expect(logged.filter { $0.kind == .engineStarted }.count == 3)
        #expect(logged.filter { $0.kind == .engineStopped }.count == 3)
        // The abandoned tick committed nothing, so none of its events was published: tick 3 started
        // once, in the last run, after the third engine_started.
        let tickStarts = logged.filter { $0.kind == .tickStarted }
        #expect(tickStarts.map(\.tick) == [1, 2, 3])
        let lastStart = try #require(logged.lastIndex { $0.kind == .engineStarted })
        #expect(logged.firstIndex { $0.kind == .tickStarted && $0.tick == 3 } ?? 0 > lastStart)
        #expect(try org.readJSON("state/tick.json")?["next_event_seq"] == .int(logged.count + 1))
    }

    @Test func progressAnnouncesTheTickInFlightThatTheLogNeverHolds() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a", reads: ["human"])], replies: [])
        defer { org.remove() }
        let progress = ProgressRecorder()
        try await org.abandonATick(sinks: [progress])
        #expect(progress.kinds.prefix(2) == [.tickStarted, .turnStarted])
        let logged = try String(decoding: #require(try org.read("logs/engine.jsonl")), as: UTF8.self)
        #expect(logged.contains("engine_stopped"))
        #expect(!logged.contains("tick_started"))
        #expect(!logged.contains("turn_started"))
    }

    final class ProgressRecorder: EventSink {
        private let drafts = Mutex<[EngineEvent.Draft]>([])
        var kinds: [EngineEvent.Kind] { drafts.withLock { $0.map(\.kind) } }
        func receive(_ event: EngineEvent) {}
        func progress(_ event: EngineEvent.Draft) { drafts.withLock { $0.append(event) } }
    }
}
