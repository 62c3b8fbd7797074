import Foundation
import LemmingCore
import LemmingProviders
import LemmingSearch
import Logging
import ServiceLifecycle

extension Benchmarks {
    /// The headline workload (100 agents × 100 ticks) with and without a search index kept current
    /// in process: a ``SearchIndexer`` as the engine's event sink and as a service running beside
    /// the engine, as `lemming serve --run` runs it. Runs alternate (plain, indexed, plain, …),
    /// each on a new org.
    func indexing(runs: Int) async throws {
        var plain: [Double] = []
        var indexed: [Double] = []
        var finals: [Double] = []
        var behind: [Int] = []
        var caughtUp = true
        for run in 1...runs {
            let (_, ticks, _) = try await make(agents: 100, reads: 3).measure(ticks: 100)
            plain.append(ticks.reduce(0, +))
            let result = try await make(agents: 100, reads: 3).measureIndexed(ticks: 100)
            indexed.append(result.engineSeconds)
            finals.append(result.finalUpdateSeconds)
            behind.append(result.eventsBehind)
            caughtUp = caughtUp && result.caughtUp
            print(
                "indexing run \(run): 100 ticks \(format(plain[plain.count - 1])) s without the index, "
                    + "\(format(result.engineSeconds)) s with it; after the last tick the index was "
                    + "\(result.eventsBehind) events behind; the final update took "
                    + "\(milliseconds(result.finalUpdateSeconds)) ms and left it \(result.caughtUp ? "current" : "behind") "
                    + "(\(result.documents) documents)")
        }
        let slowdown = (median(indexed) / median(plain) - 1) * 100
        print(
            "indexing: 100 agents × 100 ticks: median \(format(median(plain))) s without the index, "
                + "\(format(median(indexed))) s with it (\(String(format: "%+.1f", slowdown)) %); "
                + "events behind after the last tick: \(behind.map(String.init).joined(separator: ", ")); "
                + "final update median \(milliseconds(median(finals))) ms; "
                + "\(caughtUp ? "current after every run" : "BEHIND after a run")")
    }
}

extension BenchOrg {
    struct IndexedRun {
        var engineSeconds: Double
        /// Engine events committed but not yet in the index right after the last tick's files.
        var eventsBehind: Int
        var finalUpdateSeconds: Double
        var caughtUp: Bool
        var documents: Int
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
            for number in 0..<ticks {
                let tickStart = clock.now
                _ = try await engine.runTick()
                if number == ticks - 1 { try await engine.flush() }
                total += seconds(clock.now - tickStart)
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
                engineSeconds: total, eventsBehind: before.orgSequence - before.sequence, finalUpdateSeconds: final,
                caughtUp: !after.isBehind, documents: after.counts.total)
        }
    }
}
