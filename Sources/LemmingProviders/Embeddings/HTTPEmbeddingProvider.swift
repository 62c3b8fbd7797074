import AsyncHTTPClient
import LemmingCore
import LemmingJSON

/// An embedder that speaks one ``EmbeddingFormat`` over HTTP: one request for the texts it is
/// given, no batching, no retries (``ResilientEmbedder`` adds both).
///
/// It shares the chat providers' transport: the same headers and key, `timeout_seconds` for head
/// and body on the provider's clock, the same response cap, and errors that never carry the key.
/// Usage is the tokens the provider reported, else estimated from the texts' length.
public struct HTTPEmbeddingProvider<Format: EmbeddingFormat>: EmbeddingProvider {
    public let format: Format
    public let settings: HTTPSettings
    /// The length of the vectors asked for (`nil`: the model's own).
    public let dimensions: Int?
    let transport: ProviderTransport<Format>

    /// - Parameter endpoints: where the rate-limit headers of its answers go (none: not read).
    public init(
        format: Format, settings: HTTPSettings, dimensions: Int? = nil, client: HTTPClient = ProviderHTTPClient.shared,
        clock: any Clock<Duration> = ContinuousClock(), gate: RequestGate? = nil,
        endpoints: EndpointRegistry? = nil
    ) {
        self.format = format
        self.settings = settings
        self.dimensions = dimensions
        transport = ProviderTransport(
            format: format, settings: settings, client: client, timeline: Timeline(clock), gate: gate,
            endpoints: endpoints)
    }

    /// Where calls go, for breakers and messages (never with the key).
    public var endpoint: String { settings.baseURL }

    /// - Throws: ``ProviderError``: those of the transport; `reply_too_large` past the response cap;
    ///   `invalid_response` for a body that is not the format's answer, or whose vectors are not
    ///   one per text of one length.
    public func embed(_ texts: [String]) async throws -> Embeddings {
        guard !texts.isEmpty else { return Embeddings(vectors: [], usage: .zero, model: settings.model) }
        let estimate = TokenUsage(
            inputTokens: texts.reduce(0) { $0 + TokenEstimator.tokens(in: $1) }, outputTokens: 0, isEstimated: true)
        let json = try await transport.postJSON(
            url: format.embeddingsURL(settings: settings),
            body: format.embeddingsBody(for: texts, settings: settings, dimensions: dimensions)
        ) { [format, settings] in
            ProviderError(
                .replyTooLarge,
                "\(format.name): the response is larger than \(settings.maxResponseBytes) bytes; reading stopped there",
                usage: estimate)
        }
        let reply: EmbeddingsReply
        do {
            reply = try format.parseEmbeddings(json)
        } catch var error as ProviderError {
            error.message = settings.redacting(error.message)
            throw error
        }
        let usage = reply.inputTokens.map { TokenUsage(inputTokens: $0, outputTokens: 0) } ?? estimate
        guard reply.vectors.count == texts.count else {
            throw ProviderError(
                .invalidResponse, "\(format.name) answered \(reply.vectors.count) embeddings for \(texts.count) texts",
                usage: usage)
        }
        let dimension = reply.vectors[0].count
        if let other = reply.vectors.first(where: { $0.count != dimension }) {
            throw ProviderError(
                .invalidResponse,
                "\(format.name) answered vectors of different lengths (\(dimension) and \(other.count))",
                usage: usage)
        }
        return Embeddings(vectors: reply.vectors, usage: usage, model: reply.model ?? settings.model)
    }
}
