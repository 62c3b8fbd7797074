import ArgumentParser
import Foundation
import LemmingCore
import LemmingProviders
import LemmingServer
import Logging
import ServiceLifecycle
import UnixSignals

/// `lemming serve`: the HTTP API of the org.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the org's HTTP API (REST under /api, WebSocket /api/events, /metrics).",
        discussion: """
            Without --run the server reads the org and steers it: changes are applied at once when no engine \
            runs, or queued for the engine that runs (lemming run in another terminal). With --run the engine \
            also ticks in this process at the org's tick period. Without an API key (server.api_key_env, default \
            LEMMING_API_KEY) the server only listens on loopback. Ctrl-C stops it: the tick in progress finishes.
            """
    )

    @OptionGroup var org: OrgOptions

    @Option(help: "The address to listen on (default: server.host of lemming.json, else 127.0.0.1).")
    var host: String?

    @Option(help: "The port (default: server.port of lemming.json, else 7777; 0 picks a free one).")
    var port: Int?

    @Flag(help: "Also run the engine in this process, one tick per tick_period_seconds.")
    var run = false

    func validate() throws {
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        let root = try org.resolve()
        let (config, _) = try FileOrgStore(paths: OrgPaths(root: root)).loadConfig()
        let environment = ProcessInfo.processInfo.environment
        let logger = EngineFactory.logger(environment: environment)
        var configuration = APIServer.Configuration(
            root: root, host: host ?? config.server.host, port: port ?? config.server.port, hostsEngine: run,
            environment: environment, tools: EngineFactory.tools(environment: environment),
            clock: try EngineFactory.clock(environment: environment),
            openEngine: { sinks in try await EngineFactory.open(root: root, sinks: sinks) }, logger: logger)
        let providers = ProviderFactory(environment: environment)
        configuration.semanticMemory = { index, config in
            try EngineFactory.semanticMemory(index: index, config: config, providers: providers)
        }
        let server = try APIServer(configuration: configuration)
        guard run else {
            return try await serve(server, config: config, configuration: configuration, logger: logger, engine: nil)
        }
        try await Engine.withEngine(
            EngineFactory.configuration(root: root, sinks: [server.backend.hub], runsTicks: true)
        ) { try await serve(server, config: config, configuration: configuration, logger: logger, engine: $0) }
    }

    /// Serves until a signal stops the server, running `engine`'s ticks beside it when there is one.
    private func serve(
        _ server: APIServer, config: OrgConfig, configuration: APIServer.Configuration, logger: Logger,
        engine: Engine?
    ) async throws {
        let listening = server.makeService { port in
            // A server goes on serving when its standard output is gone.
            try? Terminal.print(
                "serving \(config.name) on http://\(configuration.host):\(port) (the dashboard; the API under /api; "
                    + "engine: \(engine == nil ? "not run here" : "running here")); Ctrl-C stops")
        }
        // The search index shuts down last, after the engine's last tick.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server.backend.indexer)]
        if let engine {
            let seconds = config.tickPeriodSeconds
            let plan = EngineService.Plan(
                period: Deadline.seconds(max(seconds, 0.001)), waitsWhilePaused: true)
            let backend = server.backend
            let service = EngineService(
                engine: engine, plan: plan,
                onEnd: { ending, _ in
                    guard ending != .shutdown else { return }
                    // Done ticking (max_ticks): the engine lets go of the org and the API goes on.
                    let next = await engine.nextTick
                    await engine.close()
                    backend.hostedEngineFinished(reason: ending.rawValue)
                    try? Terminal.print(
                        "engine finished (\(RunCommand.describe(ending))); next tick \(next); still serving")
                })
            services.append(.init(service: service, successTerminationBehavior: .ignore))
        }
        // Shut down in reverse: the hub ends the WebSocket streams, then the server, then the engine.
        services.append(.init(service: listening))
        services.append(.init(service: server.backend.hub))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [.sigquit],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(60)
        try await ServiceGroup(configuration: groupConfiguration).run()
        try Terminal.print("stopped")
    }
}
