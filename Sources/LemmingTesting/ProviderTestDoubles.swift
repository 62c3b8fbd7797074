import Foundation
import LemmingProviders
import Synchronization

/// A ``RetrySleeper`` that records the delays it is asked for and returns at once.
public final class RecordingSleeper: RetrySleeper {
    private let delays = Mutex<[Double]>([])

    public init() {}

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        delays.withLock { $0.append(seconds) }
    }

    /// Every delay asked for, in order.
    public var requested: [Double] { delays.withLock { $0 } }
}

/// A clock that moves only when a test moves it, for circuit breakers' cooldowns.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Collects the pieces a streaming call delivers, in order.
public final class TextPieces: Sendable {
    private let pieces = Mutex<[String]>([])

    public init() {}

    /// Pass this as `onText`.
    public var collect: @Sendable (String) async -> Void {
        { [self] piece in pieces.withLock { $0.append(piece) } }
    }

    public var all: [String] { pieces.withLock { $0 } }
    public var joined: String { all.joined() }
}
