/// A language model behind one registry entry.
public protocol ModelProvider: Sendable {
    /// Sends one request and waits for the whole reply.
    ///
    /// - Throws: ``ProviderError`` for every failure (the turn fails, the tick goes on).
    func complete(_ request: ChatRequest) async throws -> ChatResponse

    /// Sends one request and receives the reply as it is generated.
    ///
    /// - Parameters:
    ///   - request: the request, as for ``complete(_:)``.
    ///   - onText: called with each piece of visible text, in order, as it arrives.
    /// - Returns: the whole reply, as ``complete(_:)`` would.
    /// - Throws: ``ProviderError`` for every failure, as ``complete(_:)`` does.
    func stream(_ request: ChatRequest, onText: @escaping @Sendable (String) async -> Void) async throws -> ChatResponse
}

extension ModelProvider {
    /// Providers without a streaming API deliver the whole reply as one piece.
    ///
    /// - Throws: what ``complete(_:)`` throws.
    public func stream(
        _ request: ChatRequest,
        onText: @escaping @Sendable (String) async -> Void
    ) async throws -> ChatResponse {
        let response = try await complete(request)
        await onText(response.text)
        return response
    }
}

/// Makes providers for registry entries; the composition root passes one to the engine.
public protocol ModelProviderFactory: Sendable {
    /// A provider for `entry` (with its fallback chain, resolved in `registry`).
    ///
    /// - Throws: ``LemmingError`` naming the `models.json` field that is wrong.
    func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider

    /// An embedder for `entry` (its `fallback` is not used: vectors of two models do not compare).
    ///
    /// - Throws: ``LemmingError`` (`provider`) when the entry's provider cannot make embeddings,
    ///   or naming the `models.json` field that is wrong.
    func makeEmbedder(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any EmbeddingProvider

    /// The endpoints' circuit breakers, for `lemming status` (empty for offline providers).
    var health: [ProviderHealth] { get }
}

extension ModelProviderFactory {
    /// No endpoints to report (offline factories).
    public var health: [ProviderHealth] { [] }

    /// Factories without embedders: every entry throws ``LemmingError/cannotEmbed(_:)``.
    ///
    /// - Throws: ``LemmingError`` (`provider`), always.
    public func makeEmbedder(
        for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths
    ) throws -> any EmbeddingProvider {
        throw LemmingError.cannotEmbed(entry)
    }
}

extension LemmingError {
    /// The error for an entry whose provider has no embeddings API (`cli`, `anthropic`).
    public static func cannotEmbed(_ entry: ModelEntry) -> LemmingError {
        LemmingError(
            .provider,
            "model '\(entry.key)' cannot make embeddings (provider '\(entry.provider)' has no embeddings API)",
            path: "models.json", field: "\(entry.key).provider")
    }
}
