import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting
import Synchronization
import Testing

@testable import LemmingServer

@Suite(.timeLimit(.minutes(1))) struct EventStreamTests {
    /// Reads text frames as events until `until` says stop.
    static func collect(
        _ client: any TestClientProtocol, _ path: String, headers: HTTPFields = [:],
        during: (@Sendable () async throws -> Void)? = nil, until: @escaping @Sendable ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let frames = Mutex<[JSONValue]>([])
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = headers
        try await client.ws(path, configuration: configuration) { inbound, _, _ in
            if let during { try await during() }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message, let event = try? JSONValue.parse(Array(text.utf8)) else {
                    continue
                }
                let done = frames.withLock { frames in
                    frames.append(event)
                    return until(frames)
                }
                if done { break }
            }
        }
        return frames.withLock { $0 }
    }

    static func sequences(_ events: [JSONValue]) -> [Int] { events.compactMap { $0["seq"]?.intValue } }

    @Test func replaysFromASequenceThenStreamsLiveEvents() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, server in
            _ = try await server.backend.step()
            _ = try await server.backend.step()
            let all = server.backend.hub.recent(EventHub.Filter(), before: nil, limit: 10_000).reversed().map(
                \.sequence)
            let since = all[all.count / 2]
            let expected = all.filter { $0 > since }
            // The history after `since`, then the events of a tick run while connected.
            let events = try await Self.collect(
                client, "/api/events?since=\(since)", during: { _ = try await server.backend.step() },
                until: { frames in frames.contains { $0["type"] == "tick_finished" && $0["tick"] == 3 } })
            let received = Self.sequences(events)
            #expect(Array(received.prefix(expected.count)) == expected)
            #expect(received == Array(received.first!...received.last!))
            #expect(events.contains { $0["type"] == "tick_started" && $0["tick"] == 3 })
            // Compared with the log file: the same events.
            let logged = EventLogFiles.parse(try #require(try org.read("logs/engine.jsonl"))).map(\.sequence)
            #expect(Set(received).isSubset(of: Set(logged)))
        }
    }

    /// Restarts and an abandoned tick (issue 11 item 13): every committed event reaches a client
    /// once, numbered without a gap or a repeat; the abandoned tick's events never do.
    @Test func restartsAndAnAbandonedTickReachClientsWithoutAGapOrARepeat() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, server in
            _ = try await server.backend.step()
            _ = try await server.backend.step()
            // An engine in another place: the hub learns its events from the log.
            try await org.abandonATick()
            _ = try await server.backend.step()
            let logged = EventLogFiles.parse(try #require(try org.read("logs/engine.jsonl")))
            let target = try #require(logged.last?.sequence)
            let events = try await Self.collect(
                client, "/api/events?since=0", until: { frames in frames.last?["seq"]?.intValue == target })
            #expect(Self.sequences(events) == Array(1...target))
            #expect(logged.map(\.sequence) == Array(1...target))
            let kinds = events.compactMap { $0["type"]?.stringValue }
            #expect(kinds.filter { $0 == "engine_started" }.count == 4)
            #expect(kinds.filter { $0 == "engine_stopped" }.count == 4)
            #expect(events.filter { $0["type"] == "tick_started" }.compactMap { $0["tick"]?.intValue } == [1, 2, 3])
        }
    }

    @Test func aClientThatReconnectsWithSinceMissesNothing() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, server in
            // Connected with `since`: the tick's events reach the client even when the tick ends
            // before the server has subscribed the connection to the hub.
            let start = server.backend.hub.lastSequence
            let first = try await Self.collect(
                client, "/api/events?since=\(start)", during: { _ = try await server.backend.step() },
                until: { frames in frames.contains { $0["type"] == "turn_finished" } })
            let last = try #require(Self.sequences(first).last)
            // Disconnected: two more ticks happen.
            _ = try await server.backend.step()
            _ = try await server.backend.step()
            let target = server.backend.hub.lastSequence
            let second = try await Self.collect(
                client, "/api/events?since=\(last)", until: { frames in frames.last?["seq"]?.intValue == target })
            #expect(Self.sequences(second) == Array((last + 1)...target))
        }
    }

    @Test func filtersByKindAndAgent() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, setup: .live) { client, server in
            _ = try await server.backend.step()
            _ = try await server.backend.step()
            let events = try await Self.collect(
                client, "/api/events?since=0&kind=turn_finished&agent=worker", until: { $0.count == 2 })
            #expect(events.allSatisfy { $0["type"] == "turn_finished" && $0["agent"] == "worker" })
            #expect(events.compactMap { $0["tick"]?.intValue } == [1, 2])
        }
    }

    @Test func eventsOfAnEngineInAnotherProcessArriveThroughTheLog() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let server = try makeServer(org)
        let engine = try await org.engine()
        _ = try await engine.runTick()
        await engine.close()
        server.backend.hub.poll()
        let finished = server.backend.hub.recent(EventHub.Filter(kinds: ["tick_finished"]), before: nil, limit: 5)
        #expect(finished.map(\.tick) == [1])
        #expect(server.backend.hub.ticks(before: nil, limit: 5).map(\.tick) == [1])
    }

    @Test func entriesOfAnEngineInAnotherProcessReachTheMessagePagesThroughTheLog() async throws {
        let org = try chatOrg(replies: [.message("manager", "the plan")])
        defer { org.remove() }
        // A listing is trusted for an hour: a test slowed down by a busy machine still sees the
        // announcement, not a periodic listing, bring the entry.
        let messages = MessageIndex(paths: org.paths, relistInterval: .seconds(3_600))
        let hub = EventHub(
            paths: org.paths, metrics: EngineMetrics(), messages: messages,
            indexer: SearchIndexer(index: SearchIndex(org.paths)))
        #expect(try messages.page(MessageIndex.Filter(), before: nil, limit: 10).entries.isEmpty)
        messages.isFollowed = true  // as while the hub runs
        _ = try await org.run(ticks: 1)
        // The folder changed, but a followed index waits for the hub's announcement…
        #expect(try messages.page(MessageIndex.Filter(), before: nil, limit: 10).entries.isEmpty)
        hub.poll()
        let page = try messages.page(MessageIndex.Filter(), before: nil, limit: 10)
        #expect(page.entries.map(\.id.text) == ["00000001-manager-01"])
    }

    @Test func theStreamNeedsTheKeyWhenReadsDo() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": "k-123456"], host: "0.0.0.0", setup: .live) {
            client, _ in
            await #expect(throws: (any Error).self) {
                try await client.ws("/api/events") { _, _, _ in }
            }
            // With the key the same upgrade succeeds.
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders = [.authorization: "Bearer k-123456"]
            try await client.ws("/api/events", configuration: configuration) { _, _, _ in }
        }
    }

    @Test func metricsCountTicksTurnsAndMessages() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            _ = try await client.call(.post, "/api/messages", json: ["to": "manager", "text": "hi"])
            _ = try await client.call(.post, "/api/step")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("lemming_ticks_total 1"))
            #expect(metrics.text.contains("lemming_turns_total{agent=\"manager\",outcome=\"completed\"} 1"))
            #expect(metrics.text.contains("lemming_messages_total{kind=\"message\"}"))
            #expect(metrics.text.contains("lemming_turn_duration_seconds_count 2"))
            #expect(metrics.text.contains("lemming_credits_spent_total"))
        }
    }
}

@Test func metricsCountTheTokensReadFromAndWrittenToTheProvidersCaches() {
    let metrics = EngineMetrics()
    for (read, written) in [(0, 1_500), (1_500, 0), (1_200, 300)] {
        metrics.record(
            EngineEvent(
                sequence: 1, time: "2026-01-01T00:00:00.000Z", tick: 1, kind: .turnFinished, agent: "a",
                data: [
                    "stop_reason": "completed", "input_tokens": 2_000, "output_tokens": 10,
                    "cache_read_input_tokens": .int(read), "cache_creation_input_tokens": .int(written),
                ]))
    }
    // A turn of a provider that reports no cache counts adds nothing to them.
    metrics.record(
        EngineEvent(
            sequence: 2, time: "2026-01-01T00:00:00.000Z", tick: 1, kind: .turnFinished, agent: "a",
            data: ["stop_reason": "completed", "input_tokens": 2_000, "output_tokens": 10]))
    let text = String(decoding: metrics.exposition(breakers: []), as: UTF8.self)
    #expect(text.contains("lemming_cache_read_input_tokens_total 2700"))
    #expect(text.contains("lemming_cache_creation_input_tokens_total 1800"))
    #expect(text.contains("lemming_tokens_total{direction=\"input\"} 8000"))
}
