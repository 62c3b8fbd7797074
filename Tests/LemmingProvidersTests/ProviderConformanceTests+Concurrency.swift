import LemmingJSON
import LemmingTesting
import Synchronization
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// Calls in flight to one endpoint (issue 16 §4): bounded by the engine and by
/// `max_concurrent_requests`, never by the HTTP client's pool. On a test clock: the server holds
/// each call for one second of it, so the calls in flight are the server's sleepers.
extension ProviderConformanceTests {
    /// The client's default pool (8 connections per host) held a tick of 100 agents against one
    /// endpoint to 8 calls at a time (the server would never see 40 calls; the time limit ends
    /// the test).
    @Test(.timeLimit(.minutes(1)))
    func callsToOneEndpointAreNotHeldToTheClientsDefaultPool() async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(.openAICompatible, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.whenIdle(.delay(.seconds(1), then: .text("done")))
            let provider = try harness.provider(server)
            let calls = 40
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<calls {
                    group.addTask { try await provider.complete(plainRequest()).text }
                }
                await clock.waitForSleepers(calls, endingBy: ManualClock.Instant(offset: .seconds(1)))
                #expect(server.requests.count == calls)
                clock.advance(by: .seconds(1))
                var answers = 0
                for try await text in group where text == "done" { answers += 1 }
                #expect(answers == calls)
            }
        }
    }

    /// `max_concurrent_requests` keeps the calls in flight to at most its value; the others wait
    /// their turn and all complete.
    @Test(.timeLimit(.minutes(1)))
    func maxConcurrentRequestsBoundsTheCallsInFlight() async throws {
        let clock = ManualClock()
        let harness = ProviderHarness(.openAICompatible, clock: clock)
        try await FakeModelServer.with(format: .openAI, clock: clock) { server in
            server.whenIdle(.delay(.seconds(1), then: .text("done")))
            let provider = try harness.provider(server, ["max_concurrent_requests": 3])
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await provider.complete(plainRequest()).text }
                }
                for (round, expected) in [3, 6, 9, 10].enumerated() {
                    let wake = ManualClock.Instant(offset: .seconds(round + 1))
                    await clock.waitForSleepers(expected - round * 3, endingBy: wake)
                    #expect(server.requests.count == expected, "round \(round)")
                    // The answers of the last round may still be on their way back to their
                    // callers, holding their places: wait until they let go (the time limit fails
                    // a gate that never lets go).
                    while harness.factory.gates.load.values.map(\.inFlight) != [expected - round * 3] {
                        try Task.checkCancellation()
                        await Task.yield()
                    }
                    clock.advance(to: wake)
                }
                var answers = 0
                for try await text in group where text == "done" { answers += 1 }
                #expect(answers == 10)
            }
        }
    }
}

/// The gate itself: order, limits, cancellation. Holders of a place sleep on a test clock until
/// the test advances it.
@Suite(.timeLimit(.minutes(1))) struct RequestGateTests {
    let clock = ManualClock()
    let wake = ManualClock.Instant(offset: .seconds(1))

    @Test func waitersEnterInTheOrderTheyCame() async throws {
        let gate = RequestGate(limit: 1)
        let order = Recorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [clock, wake] in
                try await gate.run {
                    order.append(0)
                    try await clock.sleep(until: wake)
                }
            }
            await clock.waitForSleepers(1)
            for index in 1...3 {
                group.addTask { try await gate.run { order.append(index) } }
                while gate.load.waiting < index, !Task.isCancelled { await Task.yield() }
            }
            clock.advance(to: wake)
            try await group.waitForAll()
        }
        #expect(order.values == [0, 1, 2, 3])
        #expect(gate.load.inFlight == 0 && gate.load.waiting == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueueAndThePlaceIsNotLost() async throws {
        let gate = RequestGate(limit: 1)
        let holder = Task { [clock, wake] in try await gate.run { try await clock.sleep(until: wake) } }
        await clock.waitForSleepers(1)
        let waiter = Task { try await gate.run { "entered" } }
        while gate.load.waiting < 1, !Task.isCancelled { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(gate.load.waiting == 0)
        clock.advance(to: wake)
        try await holder.value
        #expect(try await gate.run { "entered" } == "entered")
        #expect(gate.load.inFlight == 0)
    }

    @Test func tighteningLowersTheLimitOnly() async throws {
        let gate = RequestGate(limit: 4)
        gate.tighten(to: 8)
        gate.tighten(to: 2)
        let holders = (0..<3).map { _ in
            Task { [clock, wake] in try await gate.run { try await clock.sleep(until: wake) } }
        }
        await clock.waitForSleepers(2)
        while gate.load.waiting < 1, !Task.isCancelled { await Task.yield() }
        #expect(gate.load.inFlight == 2 && gate.load.waiting == 1)
        clock.advance(to: wake)
        for holder in holders { try await holder.value }
        #expect(gate.load.inFlight == 0)
    }
}

/// Values appended from several tasks.
private final class Recorder: Sendable {
    private let storage = Mutex<[Int]>([])
    func append(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}
