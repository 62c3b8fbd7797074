import Synchronization

/// Agent Cards already fetched, by configured URL, for the process: a card is fetched at the first
/// call to its agent and again after a call to it failed.
public final class AgentCardCache: Sendable {
    private let cards = Mutex<[String: AgentCard]>([:])

    public init() {}

    /// The cache of the tools of this process.
    public static let shared = AgentCardCache()

    /// The card for `url`, fetched by `fetch` when not cached.
    public func card(_ url: String, fetch: () async throws -> AgentCard) async throws -> AgentCard {
        if let card = cards.withLock({ $0[url] }) { return card }
        let card = try await fetch()
        cards.withLock { $0[url] = card }
        return card
    }

    /// Drops the card of `url`.
    public func forget(_ url: String) {
        _ = cards.withLock { $0.removeValue(forKey: url) }
    }
}
