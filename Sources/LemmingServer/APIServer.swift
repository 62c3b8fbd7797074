import Hummingbird
import HummingbirdWebSocket
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP API of one org (DESIGN §8), as a Hummingbird application.
///
/// ```swift
/// let server = try APIServer(configuration: configuration)
/// let application = server.makeApplication()
/// // run `application` and `server.backend.hub` in a ServiceGroup
/// ```
public struct APIServer: Sendable {
    /// What the composition root provides.
    public struct Configuration: Sendable {
        public var root: String
        public var host: String
        public var port: Int
        /// An engine of this process holds the org (`serve --run`): ticks are its business.
        public var hostsEngine: Bool
        /// Where API keys and model keys are looked up (only names and presence are ever shown).
        public var environment: [String: String]
        /// Builds the org's tools, for `/api/tools`.
        public var tools: any ToolFactory
        public var clock: any WallClock
        /// Opens an engine on the org with extra event sinks (the composition root's providers and tools).
        public var openEngine: @Sendable ([any EventSink]) async throws -> Engine
        public var logger: Logger
        /// Semantic memory of the org for `semantic=true` searches (the composition root's
        /// providers); `nil`, or answering `nil`, when the org has no `search.embeddings`.
        public var semanticMemory: (@Sendable (SearchIndex, OrgConfig) throws -> SemanticMemory?)?

        public init(
            root: String, host: String, port: Int, hostsEngine: Bool = false, environment: [String: String],
            tools: any ToolFactory, clock: any WallClock,
            openEngine: @escaping @Sendable ([any EventSink]) async throws -> Engine,
            logger: Logger = Logger(label: "lemming.server", factory: { _ in SwiftLogNoOpLogHandler() })
        ) {
            self.root = root
            self.host = host
            self.port = port
            self.hostsEngine = hostsEngine
            self.environment = environment
            self.tools = tools
            self.clock = clock
            self.openEngine = openEngine
            self.logger = logger
        }
    }

    public let backend: OrgBackend
    let routes: [APIRoute]

    /// Reads the org's `server` settings and checks the access rules.
    ///
    /// - Throws: ``LemmingError`` when the directory is not an org, or when the host is not
    ///   loopback and no API key is set.
    public init(configuration: Configuration) throws {
        let paths = OrgPaths(root: configuration.root)
        guard FileSystem.info(paths.config)?.isRegularFile == true else {
            throw LemmingError(.notAnOrg, "no lemming.json here: not an org directory", path: paths.root)
        }
        let (config, _) = try FileOrgStore(paths: paths).loadConfig()
        let metrics = EngineMetrics()
        // The hub hands it every event it takes: it follows the log, so it needs not (see SearchIndexer).
        let indexer = SearchIndexer(
            index: SearchIndex(paths, logger: configuration.logger), follows: false, logger: configuration.logger)
        let hub = EventHub(paths: paths, metrics: metrics, messages: MessageIndex(paths: paths), indexer: indexer)
        backend = try OrgBackend(configuration: configuration, settings: config.server, hub: hub, metrics: metrics)
        routes = Self.routes
    }

    /// Every endpoint, in documentation order.
    static var routes: [APIRoute] {
        [
            MetaRoutes.all, SessionRoutes.all, StatusRoutes.all, AgentRoutes.all, MessageRoutes.all,
            SearchRoutes.all, ControlRoutes.all, [EventRoutes.route], MCPRoutes.all, A2ARoutes.all,
        ].flatMap { $0 }
    }

    /// The OpenAPI document of the routes.
    public var openAPIDocument: JSONValue {
        OpenAPIDocument.make(routes: routes, title: (try? backend.view().config.name) ?? "org")
    }

    /// The HTTP router with every route, its guards and the middleware.
    func makeRouter() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(BrowserPolicyMiddleware(policy: backend.browser))
        router.middlewares.add(OriginMiddleware(allowed: Set(backend.settings.corsOrigins)))
        router.middlewares.add(ErrorMiddleware(routes: routes))
        let backend = self.backend
        for route in routes {
            let guarded = route
            router.on(RouterPath(route.routerPath), method: route.method) { request, context in
                try backend.admit(guarded, request: request, context: context)
                return try await guarded.handler(request, context, backend)
            }
        }
        DashboardRoutes.add(to: router, environment: backend.configuration.environment)
        return router
    }

    /// The router of the WebSocket upgrade of `/api/events`.
    func makeWebSocketRouter() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        // A refused upgrade (no key, a foreign Origin, a bad query) is answered a bare 400 by
        // Hummingbird's upgrade handler, which cannot carry our JSON error; the same request
        // without the upgrade headers gets the reason from the HTTP router (docs/troubleshooting.md).
        router.middlewares.add(BrowserPolicyMiddleware(policy: backend.browser))
        router.middlewares.add(ErrorMiddleware())
        EventRoutes.addWebSocket(to: router, backend: backend)
        return router
    }

    /// The application, listening on the configured host and port; `onServerRunning` gets the
    /// port it listens on (the one picked when the configured port is 0).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        makeApplication(listeningOn: backend.configuration.host, onServerRunning: onServerRunning)
    }

    /// The application, listening on `host` while its rules are those of the configured host: tests
    /// of a server configured beyond loopback listen on loopback.
    func makeApplication(
        listeningOn host: String, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let configuration = backend.configuration
        let browser = backend.browser
        return Application(
            router: makeRouter(),
            server: .http1WebSocketUpgrade(
                webSocketRouter: makeWebSocketRouter(), configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                browser.bound(port: port)
                await onServerRunning(port)
            },
            logger: configuration.logger)
    }

    /// The application as a service for a `ServiceGroup`: failing to listen is a ``LemmingError``
    /// that says why in words (`port 7777 is already in use on 127.0.0.1`).
    public func makeService(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        ListeningService(
            application: makeApplication(onServerRunning: onServerRunning), host: backend.configuration.host,
            port: backend.configuration.port)
    }
}

/// Runs the application; an error of the socket becomes a plain ``LemmingError``.
struct ListeningService<Application: Service>: Service {
    let application: Application
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError {
            throw Self.describe(error, host: host, port: port)
        } catch let error as SocketAddressError.UnknownHost {
            throw LemmingError(.invalidArgument, "cannot listen on \(host): no such host", underlying: error)
        }
    }

    static func describe(_ error: IOError, host: String, port: Int) -> LemmingError {
        let message: String
        switch error.errnoCode {
        case EADDRINUSE: message = "port \(port) is already in use on \(host)"
        case EACCES: message = "no permission to listen on port \(port) of \(host) (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: message = "\(host) is not an address of this machine"
        default: message = "cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)))"
        }
        return LemmingError(.io, message, underlying: error)
    }
}

extension OrgBackend {
    /// Checks the key and the rate limit of a request to `route`.
    func admit(_ route: APIRoute, request: Request, context: APIContext) throws {
        try access.check(route.access, request: request)
        switch route.access {
        case .open: return
        case .read:
            try limiter.take("\(context.client) \(route.operationID)", perMinute: settings.readsPerMinute)
        case .write:
            try limiter.take("\(context.client) \(route.operationID)", perMinute: settings.writesPerMinute)
        }
    }
}
