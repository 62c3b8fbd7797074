import AsyncHTTPClient
import LemmingCore
import LemmingProcess

/// Makes the providers of the model registry's entries: the network providers wrapped in retries
/// and a circuit breaker per endpoint, then in their fallback chain.
public struct ProviderFactory: ModelProviderFactory {
    /// The process environment: API keys (by variable name), `PATH` and `HOME` for `cli`.
    public var environment: [String: String]
    public let breakers: BreakerRegistry
    public var sleeper: any RetrySleeper
    let client: HTTPClient
    /// Runs `cli` model commands, inside the kernel sandbox.
    public let runner: ProcessRunner

    /// - Parameter sandbox: the sandbox of `cli` commands, when not the one detected from
    ///   `environment` (see ``ProgramSandbox/detect(environment:)``).
    public init(
        environment: [String: String],
        breakers: BreakerRegistry = BreakerRegistry(),
        sleeper: any RetrySleeper = TaskSleeper(),
        client: HTTPClient = ProviderHTTPClient.shared,
        sandbox: ProgramSandbox? = nil
    ) {
        self.environment = environment
        self.breakers = breakers
        self.sleeper = sleeper
        self.client = client
        runner = ProcessRunner(sandbox: sandbox ?? ProgramSandbox.detect(environment: environment))
    }

    public var health: [ProviderHealth] { breakers.health }

    public func makeProvider(for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths) throws -> any ModelProvider
    {
        let first = try single(entry, org: org)
        guard !entry.fallback.isEmpty else { return first }
        var chain: [(key: String, provider: any ModelProvider)] = [(entry.key, first)]
        for key in entry.fallback where key != entry.key && !chain.contains(where: { $0.key == key }) {
            guard let fallback = registry[key] else {
                throw LemmingError(
                    .invalidFile, "'\(key)' is not a key of the model registry", path: "models.json",
                    field: "\(entry.key).fallback")
            }
            chain.append((key, try single(fallback, org: org)))
        }
        return FallbackProvider(chain: chain)
    }

    /// The provider of one entry, without its fallbacks.
    func single(_ entry: ModelEntry, org: OrgPaths) throws -> any ModelProvider {
        switch entry.provider {
        case "scripted":
            return try ScriptedProvider(entry: entry, org: org)
        case "cli":
            return try CommandProvider(entry: entry, org: org, environment: environment, runner: runner)
        case "openai", "openai_compatible":
            let name = entry.provider == "openai" ? "OpenAI" : "OpenAI-compatible server"
            return try network(OpenAIFormat(name: name), entry)
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

    private func network<Format: WireFormat>(_ format: Format, _ entry: ModelEntry) throws -> any ModelProvider {
        let settings = try HTTPSettings(entry: entry, environment: environment)
        let provider = HTTPModelProvider(format: format, settings: settings, client: client)
        return ResilientProvider(
            inner: provider, endpoint: settings.baseURL, breakers: breakers, policy: settings.retry, sleeper: sleeper)
    }
}
