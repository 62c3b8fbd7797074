import LemmingCore

/// The providers' one clock, read as the time elapsed since it was first read.
///
/// Breakers, retries, rate-limit waits and call deadlines all measure time on the clock a
/// ``ProviderFactory`` is given: `ContinuousClock()` in production, a test clock in tests, so that
/// none of them needs real sleeping to be tested. Instants of an arbitrary `Clock` cannot be stored
/// without knowing its type, so a timeline turns them into `Duration`s since its origin.
public struct Timeline: Sendable {
    /// The clock the timeline reads (for deadlines: ``withDeadline(_:clock:operation:)``).
    public let clock: any Clock<Duration>
    private let reading: @Sendable () -> Duration
    private let sleeping: @Sendable (Duration) async throws -> Void

    public init(_ clock: any Clock<Duration>) {
        self.clock = clock
        (reading, sleeping) = Self.functions(of: clock)
    }

    private static func functions<C: Clock>(
        of clock: C
    ) -> (@Sendable () -> Duration, @Sendable (Duration) async throws -> Void) where C.Duration == Duration {
        let origin = clock.now
        return (
            { origin.duration(to: clock.now) },
            { target in try await clock.sleep(until: origin.advanced(by: target), tolerance: nil) }
        )
    }

    /// The time elapsed since the timeline's origin.
    public var now: Duration { reading() }

    /// Waits until ``now`` reaches `instant` (at once if it has).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled.
    public func sleep(until instant: Duration) async throws {
        try Task.checkCancellation()
        guard instant > now else { return }
        try await sleeping(instant)
    }

    /// Waits for `duration` (at once if it is not positive).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await self.sleep(until: now + duration)
    }
}

extension Timeline {
    /// Runs `operation` under ``withDeadline(_:clock:operation:)`` on the timeline's clock.
    ///
    /// - Throws: ``DeadlineExceeded`` when `duration` passed first, or what `operation` threw.
    public func withDeadline<T: Sendable>(
        _ duration: Duration?,
        operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await Self.run(duration, on: clock, operation)
    }

    private static func run<C: Clock, T: Sendable>(
        _ duration: Duration?,
        on clock: C,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T where C.Duration == Duration {
        try await LemmingCore.withDeadline(duration, clock: clock, operation: operation)
    }
}
