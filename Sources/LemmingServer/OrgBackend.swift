import HTTPTypes
import LemmingA2A
import LemmingCore
import LemmingJSON
import LemmingMCP
import LemmingOrgView
import LemmingSearch
import Logging
import Synchronization

/// Everything the routes share: the org's files, the event hub and metrics, the way to open an
/// engine, and the access rules.
public final class OrgBackend: Sendable {
    public let paths: OrgPaths
    public let hub: EventHub
    let reader: OrgReader
    let messages: MessageIndex
    /// Keeps the search index current from the hub's events; run it as a service beside the hub.
    public let indexer: SearchIndexer
    let metrics: EngineMetrics
    let settings: ServerSettings
    let access: AccessPolicy
    let browser: BrowserPolicy
    let limiter = RateLimiter()
    let configuration: APIServer.Configuration
    /// Serialises the engines this server opens, so its own requests never race for the lock.
    let gate = AsyncGate()
    /// Why the engine of this server (`serve --run`) stopped ticking, once it has.
    private let hostedEngineEnding = Mutex<String?>(nil)
    /// The org as an MCP server at `/mcp`.
    let mcp: MCPEndpoint

    init(
        configuration: APIServer.Configuration, settings: ServerSettings, hub: EventHub, metrics: EngineMetrics
    )
        throws
    {
        paths = OrgPaths(root: configuration.root)
        self.configuration = configuration
        self.settings = settings
        self.hub = hub
        self.metrics = metrics
        reader = OrgReader(paths: paths)
        messages = hub.messages
        indexer = hub.indexer
        access = try AccessPolicy(
            settings: settings, host: configuration.host, environment: configuration.environment,
            clock: configuration.clock)
        browser = BrowserPolicy(settings: settings, host: configuration.host, port: configuration.port)
        mcp = MCPEndpoint()
    }

    func view() throws -> OrgView { try reader.view() }

    /// The search index, once its service has opened (or built) it and caught up, with every
    /// event the hub took applied: a client that saw an entry's event finds it in a search.
    ///
    /// - Throws: ``APIError`` 503 while the index is being built, or when it cannot be opened.
    func searchIndex() throws -> SearchIndex {
        switch indexer.readiness {
        case .ready:
            indexer.update(follow: false)
            return indexer.index
        case .starting:
            throw APIError(
                .serviceUnavailable, "search_starting",
                "the search index is being built or caught up; try again shortly")
        case .failed(let reason):
            throw APIError(.serviceUnavailable, "search_unavailable", "the search index cannot be used: \(reason)")
        }
    }

    /// Records that the engine of this server (`serve --run`) stopped ticking on its own while the
    /// server goes on (`max_ticks` reached): `/api/status` says so, and ticks are refused as for
    /// any org at `max_ticks`.
    ///
    /// - Parameter reason: why, as `EngineService.Ending` names it (`max_ticks`).
    public func hostedEngineFinished(reason: String) {
        hostedEngineEnding.withLock { $0 = reason }
    }

    /// The engine of this server, for `/api/status`: `null` without `--run`, else its state
    /// (`running`, `finished`) and why it finished.
    var hostedEngineJSON: JSONValue {
        guard configuration.hostsEngine else { return .null }
        guard let reason = hostedEngineEnding.withLock({ $0 }) else { return ["state": "running"] }
        return ["state": "finished", "reason": .string(reason)]
    }

    /// Applies steering commands now when the org is free, else queues them for its engine.
    func steer(_ commands: [ControlCommand]) async throws -> OrgSteering.Outcome {
        let open = configuration.openEngine
        let hub = self.hub
        let steering = OrgSteering(paths: paths, clock: configuration.clock) { try await open([hub]) }
        return try await gate.run { try await steering.submit(commands) }
    }

    /// Runs one tick with an engine opened for it.
    ///
    /// - Throws: ``APIError`` 409 when an engine runs (here with `--run`, or elsewhere) or the org
    ///   reached `max_ticks`.
    func step() async throws -> TickReport {
        if configuration.hostsEngine, hostedEngineEnding.withLock({ $0 == nil }) {
            throw APIError(
                .conflict, "engine_running", "the engine runs in this server (serve --run); ticks run on their own")
        }
        let open = configuration.openEngine
        let hub = self.hub
        return try await gate.run {
            do {
                return try await Engine.step { try await open([hub]) }
            } catch let error as LemmingError where error.code == .locked {
                throw APIError(.conflict, "engine_running", error.message)
            } catch let error as LemmingError where error.code == .conflict {
                throw APIError(.conflict, "max_ticks", error.message)
            }
        }
    }
}

extension OrgBackend {
    /// The org operations of `/mcp`: this backend's steering, ticks (serialised with its other
    /// engines) and search index; its HTTP errors become the tool errors MCP clients see.
    var mcpOperations: StandardOrgOperations {
        StandardOrgOperations(
            paths: paths, steer: { commands in try await Self.asToolError { try await self.steer(commands) } },
            step: { try await Self.asToolError { try await self.step() } },
            index: { try await Self.asToolError { try self.searchIndex() } })
    }

    /// The org as an A2A server at `/a2a`: this backend's steering, its wall clock for timestamps.
    var a2a: OrgA2AServer {
        OrgA2AServer(
            paths: paths, version: LemmingVersion.current, steer: { commands in try await self.steer(commands) },
            wallClock: configuration.clock)
    }

    private static func asToolError<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw LemmingError(error.status == .conflict ? .conflict : .io, error.message)
        }
    }

}

/// An async mutual exclusion: callers of ``run(_:)`` take turns, in order of arrival.
actor AsyncGate {
    private var isBusy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if isBusy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            isBusy = true
        }
        defer {
            if waiters.isEmpty { isBusy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
