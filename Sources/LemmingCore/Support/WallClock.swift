import Foundation

/// The source of every timestamp the engine writes.
///
/// Injected so that runs are reproducible: with a ``FixedWallClock`` (or `LEMMING_FIXED_TIME`)
/// the same org and the same replies give byte-identical files, durations included (they are 0).
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
    /// A monotonic reading in nanoseconds, used only to measure durations.
    func monotonicNanoseconds() -> UInt64
}

extension WallClock {
    /// Milliseconds elapsed since a reading of ``monotonicNanoseconds()``.
    public func milliseconds(since start: UInt64) -> Double {
        let elapsed = monotonicNanoseconds() &- start
        return (Double(elapsed) / 1_000).rounded() / 1_000
    }
}

/// The real clock.
public struct SystemWallClock: WallClock {
    /// The system's clock.
    public init() {}
    /// The system's time.
    public func now() -> Date { Date() }
    /// Nanoseconds since boot (`DispatchTime`'s uptime), unaffected by changes of the system's time.
    public func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// A clock that always reads the same instant; every measured duration is zero.
public struct FixedWallClock: WallClock {
    /// The instant it always reads.
    public let instant: Date
    /// A clock reading `instant`.
    public init(_ instant: Date) { self.instant = instant }
    /// Always ``instant``.
    public func now() -> Date { instant }
    /// Always 0, so every measured duration is 0.
    public func monotonicNanoseconds() -> UInt64 { 0 }

    /// The clock pinned by `LEMMING_FIXED_TIME=<ISO 8601>`, if that variable is set.
    ///
    /// - Throws: ``LemmingError`` when the variable is set but is not an ISO 8601 time.
    public static func fromEnvironment(_ environment: [String: String]) throws -> FixedWallClock? {
        guard let text = environment["LEMMING_FIXED_TIME"], !text.isEmpty else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw LemmingError(
                .invalidArgument,
                "LEMMING_FIXED_TIME must be an ISO 8601 time such as 2026-01-01T00:00:00Z (got '\(text)')"
            )
        }
        return FixedWallClock(date)
    }
}
