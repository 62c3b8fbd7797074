/// Thrown by ``withDeadline(_:clock:operation:)`` when the operation did not finish in time.
public struct DeadlineExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    /// The time the operation was given.
    public var duration: Duration

    /// The error for an operation given `duration`.
    public init(duration: Duration) {
        self.duration = duration
    }

    /// `did not finish within 2 s` (``Deadline/describe(_:)``).
    public var description: String { "did not finish within \(Deadline.describe(duration))" }
}

/// Runs `operation`, cancelling it when `duration` has passed on `clock`.
///
/// The operation runs in a child task beside a timer on `clock`; whichever ends first wins and the
/// other is cancelled. The call returns only once the operation has ended, so an operation must
/// honour cancellation (every `await` in Swift's own libraries does). Pass a test clock to test
/// timeouts without sleeping.
///
/// - Parameters:
///   - duration: how long the operation may take; `nil` means no deadline.
///   - clock: the clock that measures it (`ContinuousClock()` in production).
///   - operation: the work to bound.
/// - Returns: what `operation` returned.
/// - Throws: ``DeadlineExceeded`` when the time ran out, `CancellationError` when the calling task
///   was cancelled, or what `operation` threw.
public func withDeadline<C: Clock, T: Sendable>(
    _ duration: Duration?,
    clock: C,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T where C.Duration == Duration {
    guard let duration else { return try await operation() }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await clock.sleep(for: duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else {
            try Task.checkCancellation()
            throw DeadlineExceeded(duration: duration)
        }
        return value
    }
}

/// Conversions between the `Double` seconds of the org's JSON files and `Duration`.
public enum Deadline {
    /// A `Duration` from seconds as written in JSON settings (`timeout_seconds`); negative or
    /// non-finite values are zero.
    public static func seconds(_ seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 9e9) * 1_000_000_000))
    }

    /// "2 s", "0.5 s", "150 ms": how durations read in messages.
    public static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds == 0, attoseconds > 0 {
            return "\(attoseconds / 1_000_000_000_000_000) ms"
        }
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}
