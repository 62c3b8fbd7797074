import AsyncHTTPClient
import LemmingCore
import LemmingProcess

/// Makes the providers of the model registry's entries: the network providers wrapped in retries,
/// a circuit breaker and a rate-limit gate per endpoint and pacing per model at it (`rpm`, `tpm`,
/// the server's rate-limit headers), then in their fallback chain, then in a recorder when the
/// entry says `record`.
///
/// Every provider it makes measures time on one clock: call deadlines, retry delays, rate-limit
/// waits and breaker cooldowns.
public struct ProviderFactory: ModelProviderFactory {
    /// The process environment: API keys (by variable name), `PATH` and `HOME` for `cli`.
    public var environment: [String: String]
    /// The breakers and rate-limit gates of the endpoints, shared by every provider made here.
    public let endpoints: EndpointRegistry
    /// The endpoints' limits on requests in flight (`max_concurrent_requests`).
    public let gates = RequestGate.Registry()
    let client: HTTPClient
    /// Runs `cli` model commands, inside the kernel sandbox.
    public let runner: ProcessRunner
    /// The files of `record`ing entries, shared by every provider made here.
    public let cassettes = CassetteWriters()

    /// - Parameters:
    ///   - environment: API keys (by variable name), `PATH` and `HOME`.
    ///   - clock: the providers' clock; `ContinuousClock()` except in tests.
    ///   - breaker: the circuit breakers' threshold and cooldown.
    ///   - client: the HTTP client of the network providers.
    ///   - sandbox: the sandbox of `cli` commands, when not the one detected from `environment`
    ///     (see ``ProgramSandbox/detect(environment:)``).
    public init(
        environment: [String: String],
        clock: any Clock<Duration> = ContinuousClock(),
        breaker: CircuitBreaker.Configuration = .init(),
        client: HTTPClient = ProviderHTTPClient.shared,
        sandbox: ProgramSandbox? = nil
    ) {
        self.environment = environment
        self.endpoints = EndpointRegistry(configuration: breaker, clock: clock)
        self.client = client
        runner = ProcessRunner(sandbox: sandbox ?? ProgramSandbox.detect(environment: environment))
    }

    public var health: [ProviderHealth] { endpoints.health }

    /// The provider of `entry`: its own, then its fallback chain, and around both the recorder of
    /// its `record` cassette when it has one (``RecordingProvider``).
    public func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider
    {
        let first = try single(entry, org: org)
        var chain: [(key: String, provider: any ModelProvider)] = [(entry.key, first)]
        var secrets = [entry.keyVariable.flatMap { environment[$0] }]
        for key in entry.fallback where key != entry.key && !chain.contains(where: { $0.key == key }) {
            guard let fallback = registry[key] else {
                throw LemmingError(
                    .invalidFile, "'\(key)' is not a key of the model registry", path: "models.json",
                    field: "\(entry.key).fallback")
            }
            chain.append((key, try single(fallback, org: org)))
            secrets.append(fallback.keyVariable.flatMap { environment[$0] })
        }
        let provider = chain.count == 1 ? first : FallbackProvider(chain: chain)
        guard let record = entry.record else { return provider }
        return RecordingProvider(
            inner: provider, writer: cassettes.writer(path: org.absolute(record), file: record), modelKey: entry.key,
            model: entry.model, secrets: secrets.compactMap { $0 })
    }

    /// The provider of one entry, without its fallbacks.
    func single(_ entry: ModelEntry, org: OrgPaths) throws -> any ModelProvider {
        switch entry.provider {
        case "scripted":
            return try ScriptedProvider(entry: entry, org: org)
        case "cli":
            return try CommandProvider(entry: entry, org: org, environment: environment, runner: runner)
        case "cassette":
            return try CassetteProvider(entry: entry, org: org)
        case "openai", "openai_compatible":
            return try network(OpenAIFormat(provider: entry.provider), entry)
        case "anthropic":
            return try network(AnthropicFormat(), entry)
        case "gemini":
            return try network(GeminiFormat(), entry)
        case "ollama":
            return try network(OllamaFormat(), entry)
        default:
            throw LemmingError(
                .provider, "provider '\(entry.provider)' is not available in this build", path: "models.json",
                field: "\(entry.key).provider")
        }
    }

    /// The embedder of `entry`: `openai`, `openai_compatible`, `ollama` and `gemini` over HTTP, in
    /// batches (`embedding_batch_size`) with the same settings, retries, breakers and rate-limit
    /// gates as chat calls; `scripted` offline (``ScriptedEmbedder``). Its `fallback` is not used:
    /// vectors of two models do not compare.
    ///
    /// - Throws: ``LemmingError``: ``LemmingError/cannotEmbed(_:)`` for `cli` and `anthropic`,
    ///   or naming the `models.json` field that is wrong.
    public func makeEmbedder(
        for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths
    ) throws -> any EmbeddingProvider {
        switch entry.provider {
        case "scripted":
            let options = try EmbeddingOptions(entry: entry, maxBatchSize: Int.max)
            return ScriptedEmbedder(dimensions: options.dimensions ?? ScriptedEmbedder.defaultDimensions)
        case "openai", "openai_compatible":
            return try embedder(OpenAIFormat(provider: entry.provider), entry)
        case "gemini":
            return try embedder(GeminiFormat(), entry)
        case "ollama":
            return try embedder(OllamaFormat(), entry)
        default:
            throw LemmingError.cannotEmbed(entry)
        }
    }

    private func embedder<Format: EmbeddingFormat>(
        _ format: Format, _ entry: ModelEntry
    ) throws -> any EmbeddingProvider {
        let settings = try HTTPSettings(entry: entry, environment: environment)
        let options = try EmbeddingOptions(entry: entry, maxBatchSize: format.maxBatchSize)
        let embedder = HTTPEmbeddingProvider(
            format: format, settings: settings, dimensions: options.dimensions, client: client,
            clock: endpoints.timeline.clock, gate: gates.gate(for: settings), endpoints: endpoints)
        endpoints.configure(settings.rateLimits, endpoint: settings.baseURL, model: settings.model, entry: entry.key)
        return ResilientEmbedder(
            inner: embedder, batchSize: options.batchSize, endpoint: settings.baseURL, model: settings.model,
            endpoints: endpoints, policy: settings.retry)
    }

    private func network<Format: WireFormat>(_ format: Format, _ entry: ModelEntry) throws -> any ModelProvider {
        let settings = try HTTPSettings(entry: entry, environment: environment)
        let provider = HTTPModelProvider(
            format: format, settings: settings, client: client, clock: endpoints.timeline.clock,
            gate: gates.gate(for: settings), endpoints: endpoints)
        endpoints.configure(settings.rateLimits, endpoint: settings.baseURL, model: settings.model, entry: entry.key)
        return ResilientProvider(
            inner: provider, endpoint: settings.baseURL, model: settings.model, endpoints: endpoints,
            policy: settings.retry)
    }
}
