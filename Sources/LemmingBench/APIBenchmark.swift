import AsyncHTTPClient
import Foundation
import LemmingCore
import LemmingJSON
import LemmingProviders
import LemmingServer
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Request latency of the HTTP API (issue 6) on an org of 100 agents × 1,000 entries each.
///
/// The org is made by running the headline workload for 1,000 ticks (100,000 entries, turn
/// records, ledger, engine log). Each run starts a new server on 127.0.0.1:0 in this process —
/// as `lemming serve` builds it — and times requests over a real socket with AsyncHTTPClient,
/// one at a time, body included: the first request of each endpoint (the server's caches are
/// cold) and then `requests` more. A last run does the same while an engine ticks the org back
/// to back in the same process, as `lemming serve --run` would with a zero tick period.
struct APIBenchmark {
    /// The endpoints timed, by label.
    static func endpoints(cursor: String) -> [(String, String)] {
        [
            ("status", "/api/status"),
            ("agents", "/api/agents"),
            ("messages, first page of 50", "/api/messages?limit=50"),
            ("messages, a page in the middle", "/api/messages?limit=50&before=\(cursor)"),
            ("messages of one agent", "/api/messages?limit=50&agent=agent_00042"),
        ]
    }

    let org: BenchOrg
    let requests: Int

    func run(runs: Int) async throws {
        let cursor = "00000500-agent_00050-01"
        let endpoints = Self.endpoints(cursor: cursor)
        var cold: [String: [Double]] = [:]
        var warm: [String: [Double]] = [:]
        let client = HTTPClient.shared
        for run in 1...runs {
            let times = try await serve(ticking: false) { port in
                try await measure(endpoints, port: port, client: client)
            }
            for (label, samples) in times {
                cold[label, default: []].append(samples[0])
                warm[label, default: []].append(median(Array(samples.dropFirst())))
            }
            print(
                "api run \(run): "
                    + endpoints.map { "\($0.0) \(milliseconds(median(times[$0.0] ?? [])))" }.joined(separator: ", "))
        }
        let before = nextTick()
        let ticking = try await serve(ticking: true) { port in
            try await measure(endpoints, port: port, client: client)
        }
        print("api: the engine ran \(nextTick() - before) ticks back to back while the last requests were timed")
        print("api: 100 agents × 1,000 entries, \(requests) requests per endpoint after the first, one at a time")
        for (label, path) in endpoints {
            let loaded = Array(ticking[label]?.dropFirst() ?? [])
            print(
                "  \(label) (\(path)): median \(milliseconds(median(warm[label] ?? []))) ms "
                    + "(per-run medians \((warm[label] ?? []).map(milliseconds).joined(separator: " "))); "
                    + "first request \(milliseconds(median(cold[label] ?? []))) ms; "
                    + "while the engine ticks: median \(milliseconds(median(loaded))) ms, "
                    + "p90 \(milliseconds(percentile(loaded, 0.9))) ms")
        }
    }

    private func nextTick() -> Int {
        guard let bytes = try? FileSystem.read(OrgPaths(root: org.root).tick), let tick = try? JSONValue.parse(bytes)
        else { return 0 }
        return tick["next_tick"]?.intValue ?? 0
    }

    /// Times every endpoint: the first request, then `requests` more.
    private func measure(
        _ endpoints: [(String, String)], port: Int, client: HTTPClient
    ) async throws -> [String: [Double]] {
        let clock = ContinuousClock()
        var times: [String: [Double]] = [:]
        for (label, path) in endpoints {
            let started = clock.now
            defer { print("    \(label): \(requests + 1) requests in \(format(seconds(clock.now - started))) s") }
            for _ in 0...requests {
                let start = clock.now
                let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                let response = try await client.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 64 << 20)
                guard response.status == .ok, body.readableBytes > 0 else {
                    throw BenchmarkError("\(path) answered \(response.status.code)")
                }
                times[label, default: []].append(seconds(clock.now - start))
            }
        }
        return times
    }

    /// Runs a server (and, when `ticking`, an engine ticking back to back) around `body`.
    private func serve<T: Sendable>(
        ticking: Bool, _ body: @Sendable @escaping (Int) async throws -> T
    ) async throws -> T {
        let root = org.root
        let open: @Sendable ([any EventSink]) async throws -> Engine = { sinks in
            try await Engine.open(
                Engine.Configuration(root: root, providers: ProviderFactory(environment: [:]), sinks: sinks))
        }
        let server = try APIServer(
            configuration: APIServer.Configuration(
                root: root, host: "127.0.0.1", port: 0, hostsEngine: ticking, environment: [:], tools: NoTools(),
                clock: SystemWallClock(), openEngine: open))
        let engine = ticking ? try await open([server.backend.hub]) : nil
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = server.makeApplication { port in continuation.yield(port) }
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(services: [application, server.backend.hub], logger: logger)
        defer { continuation.finish() }
        let result = try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchmarkError("the server did not start") }
            let result: T
            if let engine {
                // The engine ticks until the requests are done; the tick in progress then finishes.
                result = try await withThrowingTaskGroup(of: T?.self) { inner in
                    inner.addTask {
                        while !Task.isCancelled { _ = try await engine.runTick() }
                        return nil
                    }
                    inner.addTask { try await body(port) }
                    while let value = try await inner.next() {
                        if let value {
                            inner.cancelAll()
                            return value
                        }
                    }
                    throw BenchmarkError("the requests did not finish")
                }
            } else {
                result = try await body(port)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
        await engine?.close()
        return result
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func milliseconds(_ value: Double) -> String { String(format: "%.2f", value * 1000) }

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
}
