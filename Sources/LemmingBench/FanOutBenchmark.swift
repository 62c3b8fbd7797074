import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import NIOCore

/// One tick of many agents against one OpenAI-compatible endpoint that answers after a fixed
/// latency (issue 16 §4): how close the tick comes to one latency, i.e. whether the calls really
/// go out at once.
///
/// Each run makes an org of `agents` agents (the headline's ring, one neighbour each) whose model
/// is `openai_compatible` at a ``SlowModelServer`` in this process, with `max_concurrent_turns`
/// equal to the agents, opens an engine, and times two ticks: the first opens the connections, the
/// second finds them open. With `--compare-pool`, each run is also made with the HTTP client's
/// default pool (8 connections per endpoint), as before issue 16, alternating.
struct FanOutBenchmark {
    let directory: String
    let latency: Duration

    struct Sample {
        var cold: Double
        var warm: Double
        var peak: Int
        /// Of the second tick: seconds from its start to the first call, from the first call to
        /// the last, and from the last answer to its end.
        var phases: (beforeFirst: Double, spread: Double, afterLast: Double)
        /// Turns that failed in the two ticks, and the first one's error.
        var failed: Int
        var firstError: String?
    }

    func run(runs: Int, agentCounts: [Int], comparePool: Bool) async throws {
        let server = SlowModelServer(latency: latency)
        let latencySeconds = seconds(latency)
        try await server.serve { baseURL in
            for agents in agentCounts {
                var variants: [(String, HTTPClient?)] = [("pool \(ProviderHTTPClient.connectionsPerEndpoint)", nil)]
                if comparePool {
                    variants.append(
                        ("pool 8 (the client's default)", ProviderHTTPClient.make(connectionsPerEndpoint: 8)))
                }
                var samples: [String: [Sample]] = [:]
                for run in 1...runs {
                    for (label, client) in variants {
                        let sample = try await measure(agents: agents, baseURL: baseURL, client: client, server: server)
                        samples[label, default: []].append(sample)
                        print(
                            "fan-out \(agents) agents, \(label), run \(run): first tick \(format(sample.cold)) s, "
                                + "second tick \(format(sample.warm)) s (first call after \(format(sample.phases.beforeFirst)) s, "
                                + "calls sent over \(format(sample.phases.spread)) s, end \(format(sample.phases.afterLast)) s "
                                + "after the last answer), \(sample.peak) calls in flight at most"
                                + (sample.failed == 0
                                    ? "" : "; \(sample.failed) turns FAILED (the first: \(sample.firstError ?? "?"))"))
                    }
                }
                for (label, client) in variants {
                    let runs = samples[label] ?? []
                    let cold = median(runs.map(\.cold))
                    let warm = median(runs.map(\.warm))
                    print(
                        "fan-out \(agents) agents, \(label), latency \(format(latencySeconds)) s, median of \(runs.count): "
                            + "first tick \(format(cold)) s (\(format(cold / latencySeconds))× the latency), "
                            + "second tick \(format(warm)) s (\(format(warm / latencySeconds))×), "
                            + "\(runs.map(\.peak).max() ?? 0) calls in flight at most, "
                            + "\(runs.map(\.failed).reduce(0, +)) turns failed")
                    try await client?.shutdown()
                }
            }
        }
    }

    private func measure(
        agents: Int, baseURL: String, client: HTTPClient?, server: SlowModelServer
    ) async throws
        -> Sample
    {
        let org = try BenchOrg.make(in: directory, agents: agents, reads: 1)
        defer { org.remove() }
        let paths = OrgPaths(root: org.root)
        let writer = JSONWriter(style: .pretty)
        let models: JSONValue = [
            "bench": [
                "provider": "openai_compatible", "model": "bench", "base_url": .string(baseURL),
                "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6, "options": ["structured_output": false],
            ]
        ]
        try FileSystem.writeAtomically(writer.bytes(models), to: paths.models)
        let config: JSONValue = [
            "format": 1, "name": "fan-out", "execution": "parallel", "max_concurrent_turns": .int(agents),
            "loop_detection": ["repeat_limit": 0],
        ]
        try FileSystem.writeAtomically(writer.bytes(config), to: paths.config)
        let providers =
            client.map { ProviderFactory(environment: [:], client: $0) } ?? ProviderFactory(environment: [:])
        let engine = try await Engine.open(
            Engine.Configuration(
                root: org.root, providers: providers, clock: SystemWallClock(), writesFilesBehind: true))
        let clock = ContinuousClock()
        var durations: [Double] = []
        _ = server.takeLoad()
        var peak = 0
        var phases = (beforeFirst: 0.0, spread: 0.0, afterLast: 0.0)
        var failed = 0
        var firstError: String?
        for _ in 0..<2 {
            let start = clock.now
            let report = try await engine.runTick()
            try await engine.flush()
            let end = clock.now
            durations.append(seconds(end - start))
            let load = server.takeLoad()
            peak = max(peak, load.peak)
            if let first = load.firstArrival, let last = load.lastArrival, let answer = load.lastAnswer {
                phases = (seconds(first - start), seconds(last - first), seconds(end - answer))
            }
            let failures = report.turns.filter(\.stopReason.isFailure)
            failed += failures.count
            firstError = firstError ?? failures.first?.error
        }
        await engine.close()
        return Sample(
            cold: durations[0], warm: durations[1], peak: peak, phases: phases, failed: failed, firstError: firstError)
    }
}
