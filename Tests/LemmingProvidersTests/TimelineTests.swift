import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The providers' clock, and the test clock that drives it.
@Suite(.timeLimit(.minutes(1))) struct TimelineTests {
    @Test func timelineReadsTheClockFromItsOrigin() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(100))
        let timeline = Timeline(clock)
        #expect(timeline.now == .zero)
        clock.advance(by: .milliseconds(1500))
        #expect(timeline.now == .milliseconds(1500))
        // Sleeping until a time that has passed returns at once.
        try await timeline.sleep(until: .seconds(1))
        try await timeline.sleep(for: .zero)
    }

    @Test func sleeperWakesWhenTheClockReachesItsDeadline() async throws {
        let clock = ManualClock()
        let timeline = Timeline(clock)
        async let slept: Void = timeline.sleep(for: .seconds(10))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(10))])
        clock.advance(by: .seconds(1))
        try await slept
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test func deadlinePassesOnTheInjectedClockAndCancelsTheOperation() async throws {
        let clock = ManualClock()
        let timeline = Timeline(clock)
        let task = Task {
            try await timeline.withDeadline(.seconds(5)) {
                // An operation that would wait an hour; only the clock decides.
                try await timeline.sleep(for: .seconds(3600))
                return 1
            }
        }
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(5))
        await #expect(throws: DeadlineExceeded(duration: .seconds(5))) { try await task.value }
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test func cancelledSleeperThrowsAndLeavesTheClock() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test func skippingClockPassesShortSleepsAtOnceAndRecordsThem() async throws {
        let clock = ManualClock(skipping: .seconds(2))
        try await clock.sleep(for: .seconds(1))
        try await clock.sleep(for: .milliseconds(500))
        #expect(clock.now == ManualClock.Instant(offset: .milliseconds(1500)))
        #expect(clock.skippedSleeps == [.seconds(1), .milliseconds(500)])
        let long = Task { try await clock.sleep(for: .seconds(3)) }
        await clock.waitForSleepers(1)
        #expect(clock.skippedSleeps.count == 2)
        clock.advance(by: .seconds(3))
        try await long.value
    }
}
