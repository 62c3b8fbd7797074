import Synchronization

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
