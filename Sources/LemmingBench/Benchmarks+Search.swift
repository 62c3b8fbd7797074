import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingSearch
import Logging
import ServiceLifecycle

extension Benchmarks {
    /// The headline workload (100 agents × 100 ticks) with and without a search index kept current
    /// in process: a ``SearchIndexer`` as the engine's event sink and as a service running beside
    /// the engine, as `lemming serve --run` runs it. Runs alternate (plain, indexed, plain, …),
    /// each on a new org. After each plain run, the index of its org (empty, opened before the
    /// run) catches up from the engine log alone: what indexing those ticks costs without an
    /// engine competing for the processors. A third run buffers its commits in an indexer that
    /// applies them only after the last tick: what indexing them costs as an engine in process
    /// hands them over.
    func indexing(runs: Int) async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let clock = ContinuousClock()
        var plain: [Double] = []
        var alone: [Double] = []
        var handedOver: [Double] = []
        var indexed: [Double] = []
        var finals: [Double] = []
        var lags: [Int] = []
        var caughtUp = true
        for run in 1...runs {
            let org = try make(agents: 100, reads: 3)
            let index = try SearchIndex.open(OrgPaths(root: org.root), logger: logger)
            let (_, ticks, _) = try await org.measure(ticks: 100)
            plain.append(ticks.reduce(0, +))
            let start = clock.now
            let caught = try index.catchUp()
            alone.append(seconds(clock.now - start))
            index.close()
            handedOver.append(try await make(agents: 100, reads: 3).measureHandover(ticks: 100))
            let result = try await make(agents: 100, reads: 3).measureIndexed(ticks: 100)
            indexed.append(result.engineSeconds)
            finals.append(result.finalUpdateSeconds)
            lags.append(result.largestLag)
            caughtUp = caughtUp && result.caughtUp
            let plainLine =
                "100 ticks \(format(plain[plain.count - 1])) s without the index (then indexed alone "
                + "from the log in \(format(alone[alone.count - 1])) s: \(caught); as handed over in "
                + "\(format(handedOver[handedOver.count - 1])) s)"
            let lagLine =
                "the index was up to \(result.largestLag) events behind (every tenth tick), "
                + "\(result.eventsBehind) after the last tick"
            let finalLine =
                "the final update took \(milliseconds(result.finalUpdateSeconds)) ms and left it "
                + (result.caughtUp ? "current" : "behind") + " (\(result.documents) documents)"
            print(
                "indexing run \(run): \(plainLine), \(format(result.engineSeconds)) s with it; \(lagLine); \(finalLine)"
            )
        }
        let slowdown = String(format: "%+.1f", (median(indexed) / median(plain) - 1) * 100)
        let perTurn = format(median(alone) / 10_000 * 1e6)
        let handedPerTurn = format(median(handedOver) / 10_000 * 1e6)
        let lagText = lags.map(String.init).joined(separator: ", ")
        let runs =
            "indexing: 100 agents × 100 ticks: median \(format(median(plain))) s without the index, "
            + "\(format(median(indexed))) s with it (\(slowdown) %)"
        let aloneText =
            "indexing the same ticks alone: median \(format(median(alone))) s from the log (\(perTurn) µs a turn), "
            + "\(format(median(handedOver))) s as handed over (\(handedPerTurn) µs a turn)"
        let lagging =
            "most events behind: \(lagText); final update median \(milliseconds(median(finals))) ms; "
            + (caughtUp ? "current after every run" : "BEHIND after a run")
        print("\(runs); \(aloneText); \(lagging)")
    }
}

extension BenchOrg {
    struct IndexedRun {
        var engineSeconds: Double
        /// Engine events committed but not yet in the index right after the last tick's files.
        var eventsBehind: Int
        /// The most events behind, looked at every tenth tick.
        var largestLag: Int
        var finalUpdateSeconds: Double
        var caughtUp: Bool
        var documents: Int
    }

    /// Committed events the index does not hold yet (its position against `state/tick.json`).
    private func eventsBehind(_ index: SearchIndex) throws -> Int {
        let state = try TickState(json: JSONValue.parse(FileSystem.read(OrgPaths(root: root).tick)), file: "tick.json")
        return state.nextEventSequence - 1 - (try index.appliedSequence())
    }

    /// Runs a tick and indexes it, then `ticks` more ticks with an indexer that only buffers their
    /// commits, then times applying them.
    func measureHandover(ticks: Int) async throws -> Double {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let index = try SearchIndex.open(OrgPaths(root: root), logger: logger)
        defer { index.close() }
        let indexer = SearchIndexer(index: index, logger: logger)
        let engine = try await Engine.open(
            Engine.Configuration(
                root: root, providers: ProviderFactory(environment: [:]), clock: SystemWallClock(),
                sinks: [indexer], writesFilesBehind: true))
        // One tick indexed first, as a running indexer has: it knows every agent's turn log then.
        _ = try await engine.runTick()
        try await engine.flush()
        indexer.update()
        for _ in 0..<ticks { _ = try await engine.runTick() }
        try await engine.flush()
        let clock = ContinuousClock()
        let start = clock.now
        indexer.update(follow: false)
        let elapsed = seconds(clock.now - start)
        guard try !index.status().isBehind else {
            throw LemmingError(.io, "the handed-over commits left the index behind")
        }
        await engine.close()
        return elapsed
    }

    /// ``measure(ticks:)`` with a search index kept current meanwhile.
    func measureIndexed(ticks: Int) async throws -> IndexedRun {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let index = try SearchIndex.open(OrgPaths(root: root), logger: logger)
        let indexer = SearchIndexer(index: index, logger: logger)
        let group = ServiceGroup(services: [indexer], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let clock = ContinuousClock()
            let engine = try await Engine.open(
                Engine.Configuration(
                    root: root, providers: ProviderFactory(environment: [:]), clock: SystemWallClock(),
                    sinks: [indexer], writesFilesBehind: true))
            var total = 0.0
            var lag: [Int] = []
            for number in 0..<ticks {
                let tickStart = clock.now
                _ = try await engine.runTick()
                if number == ticks - 1 { try await engine.flush() }
                total += seconds(clock.now - tickStart)
                // How far behind the index is, every tenth tick (outside the timed part).
                if number % 10 == 9 { lag.append(try eventsBehind(index)) }
            }
            let before = try index.status()
            await engine.close()
            let start = clock.now
            indexer.update()
            let final = seconds(clock.now - start)
            let after = try index.status()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            index.close()
            return IndexedRun(
                engineSeconds: total, eventsBehind: before.orgSequence - before.sequence, largestLag: lag.max() ?? 0,
                finalUpdateSeconds: final, caughtUp: !after.isBehind, documents: after.counts.total)
        }
    }
}
