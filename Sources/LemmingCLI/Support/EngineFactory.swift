import Foundation
import LemmingCore
import LemmingMCP
import LemmingProcess
import LemmingProviders
import LemmingSearch
import LemmingTools
import Logging

/// The composition root: builds an engine with this build's providers and tools.
enum EngineFactory {
    static func clock(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any WallClock {
        try FixedWallClock.fromEnvironment(environment) ?? SystemWallClock()
    }

    static func logger(environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        var logger = Logger(label: "lemming", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = environment["LEMMING_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// The kernel sandbox of this process's programs (detected once).
    static let sandbox = ProgramSandbox.detect(environment: ProcessInfo.processInfo.environment)

    /// The org's MCP servers: one pool for the process, which ``LemmingMain`` runs around every
    /// command (servers start only when needed, and stop when the command ends).
    static let mcpServers = MCPServerPool(
        environment: ProcessInfo.processInfo.environment, runner: ProcessRunner(sandbox: sandbox),
        http: ProviderHTTPClient.shared, logger: logger())

    /// The built-in, custom and MCP tools, with the process's `PATH`; `memory_search` ranks
    /// through the org's search index (and embeddings from `providers` when the org turned them on).
    static func tools(
        environment: [String: String] = ProcessInfo.processInfo.environment, providers: ProviderFactory? = nil
    ) -> BuiltinToolFactory {
        var factory = BuiltinToolFactory(environment: environment, sandbox: sandbox)
        factory.toolSources = { config, paths in
            mcpServers.configure(config.mcp, limits: config.tools.limits, org: paths)
        }
        let providers = providers ?? ProviderFactory(environment: environment)
        factory.memoryRanking = { paths, config in
            let index = SearchIndex(paths, logger: logger(environment: environment))
            return IndexedMemoryRanking(
                index: index, semantic: try? semanticMemory(index: index, config: config, providers: providers),
                mode: config.search.memoryRanking)
        }
        return factory
    }

    /// Semantic memory of an org whose `search.embeddings` names a model; `nil` when it names none.
    ///
    /// - Throws: ``LemmingError`` when the model is not in the registry or cannot make embeddings.
    static func semanticMemory(
        index: SearchIndex, config: OrgConfig, providers: ProviderFactory
    ) throws -> SemanticMemory? {
        guard let key = config.search.embeddings else { return nil }
        let paths = index.paths
        let (registry, _) = ModelRegistry.load(try FileSystem.readIfPresent(paths.models))
        guard let entry = registry[key] else {
            throw LemmingError(
                .invalidFile, "'\(key)' is not a key of the model registry", path: "lemming.json",
                field: "search.embeddings")
        }
        let embedder = try providers.makeEmbedder(for: entry, registry: registry, org: paths)
        return SemanticMemory(index: index, embedder: embedder, model: key, pricing: entry.pricing)
    }

    /// - Parameter runsTicks: the engine will run ticks back to back (write each tick's files
    ///   while the next one runs).
    static func configuration(
        root: String, sinks: [any EventSink] = [], runsTicks: Bool = false
    ) throws -> Engine.Configuration {
        let environment = ProcessInfo.processInfo.environment
        let providers = ProviderFactory(environment: environment)
        return Engine.Configuration(
            root: root, providers: providers,
            clock: try clock(environment: environment), tools: tools(environment: environment, providers: providers),
            sinks: sinks, writesFilesBehind: runsTicks, logger: logger(environment: environment))
    }

    static func open(root: String, sinks: [any EventSink] = [], runsTicks: Bool = false) async throws -> Engine {
        try await Engine.open(configuration(root: root, sinks: sinks, runsTicks: runsTicks))
    }
}
