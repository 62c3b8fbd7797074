import Dispatch
import LemmingCore
import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

/// Ticks run back to back write each tick's files while the next tick runs (issue 11 item 5).
@Suite(.timeLimit(.minutes(1)))
struct WriteBehindTests {
    /// Calls `release` when tick `tick` has started (its commands are applied by then).
    final class TickStartSignal: EventSink {
        let tick: Int
        let release: @Sendable () -> Void
        init(tick: Int, release: @escaping @Sendable () -> Void) {
            self.tick = tick
            self.release = release
        }
        func receive(_ event: EngineEvent) {}
        func progress(_ event: EngineEvent.Draft) {
            if event.kind == .tickStarted, event.tick == tick { release() }
        }
    }

    @Test func aCommandConsumedByATickWhoseFilesAreNotWrittenYetIsNotAppliedAgain() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("solo", reads: ["human"], maxCredits: 10)], replies: [])
        defer { org.remove() }
        try ControlCommand.topUp(agent: "solo", amount: 1).submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        try ControlCommand.send(HumanMessage(to: ["solo"], text: "once"))
            .submit(to: org.paths, clock: TemporaryOrg.fixedClock)
        // Tick 1's files (the deletion of both command files among them) are held back until tick
        // 2 has read the commands folder: the files are still there when it does.
        let gate = DispatchSemaphore(value: 0)
        let engine = try await org.engine(
            sinks: [TickStartSignal(tick: 2) { gate.signal() }], writesFilesBehind: true)
        await engine.setCrashPoint { step in
            if case .applied(tick: 1, operation: 0) = step { _ = gate.wait(timeout: .now() + 20) }
        }
        _ = try await engine.runTick()
        _ = try await engine.runTick()
        await engine.close()

        let account = try #require(try org.readJSON("state/ledger.json")?["solo"])
        let balance = try #require(account["balance"]?.doubleValue)
        let spent = try #require(account["spent"]?.doubleValue)
        #expect(balance + spent == 11)
        #expect(try org.entries(of: "human").map(\.text) == ["once"])
        #expect(try FileSystem.list(org.paths.commands) ?? [] == [])
    }

    @Test func eventsArePublishedOnceTheirFilesAreWritten() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"])], replies: [.message("a", "hello")],
            config: ["loop_detection": ["repeat_limit": 0]])
        defer { org.remove() }
        let root = org.root
        let missing = Mutex<[String]>([])
        let checker = EntryFileChecker { id in
            if !FileSystem.exists(root + "/agents/a/outbox/\(id).json") { missing.withLock { $0.append(id) } }
        }
        let engine = try await org.engine(sinks: [checker], writesFilesBehind: true)
        for _ in 0..<5 { _ = try await engine.runTick() }
        try await engine.flush()
        await engine.close()
        #expect(checker.count == 5)
        #expect(missing.withLock { $0 } == [])
    }

    /// Calls `check` with the id of every `entry_written` event of agent `a`.
    final class EntryFileChecker: EventSink {
        let check: @Sendable (String) -> Void
        private let seen = Mutex(0)
        init(check: @escaping @Sendable (String) -> Void) { self.check = check }
        var count: Int { seen.withLock { $0 } }
        func receive(_ event: EngineEvent) {
            guard event.kind == .entryWritten, event.agent == "a", let id = event.data["id"]?.stringValue else {
                return
            }
            seen.withLock { $0 += 1 }
            check(id)
        }
    }
}
