import AsyncHTTPClient
import LemmingCore
import LemmingJSON
import LemmingProcess
import Logging
import MCP
import ServiceLifecycle
import Synchronization

/// The MCP servers of an org (`lemming.json` `mcp.servers`, DESIGN §7), as clients of each.
///
/// A server starts when an agent permitted to call one of its tools is about to run, or when one
/// of its tools is called; it is asked for its tools once started (and again when it says they
/// changed). A server that exits or fails is restarted after a backoff of 1 s, doubling to 60 s,
/// until a call succeeds again; calls meanwhile fail at once with the reason. A change of its
/// settings restarts it; every server stops when the pool's ``run()`` ends (the engine closed).
///
/// The pool's ``run()`` owns the servers' connections (and their processes) as child tasks: it
/// must run, once, for as long as the engine does (``running(_:)`` scopes it around a body).
public final class MCPServerPool: Service, Sendable {
    /// Where a server stands.
    enum Phase: Sendable {
        case idle
        case starting
        case ready(Client, [MCP.Tool])
        /// It failed or exited; the reason says when it is tried again.
        case restarting(String)
    }

    private struct Server: Sendable {
        var settings: MCPSettings.Server
        var generation = 0
        var phase = Phase.idle
        /// Failures since the last successful call: the backoff's exponent.
        var failures = 0
    }

    private struct State: Sendable {
        var org: OrgPaths?
        var limits = ToolSettings().limits
        var servers: [String: Server] = [:]
        var isStopped = false
        /// Bumped on every change; waiters wake when it moves.
        var version = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    /// The most bytes of one message from a server; a longer one stops the server.
    let maxMessageBytes: Int
    /// The most pages of `tools/list` read, and tools kept.
    static let maxToolPages = 100
    static let maxTools = 1_000

    private let state = Mutex(State())
    private let starts: AsyncStream<String>
    private let startRequests: AsyncStream<String>.Continuation
    let runner: ProcessRunner
    let environment: [String: String]
    let searchPath: String
    let http: HTTPClient
    let clock: any Clock<Duration>
    let logger: Logger
    let sdkLogger: Logger

    /// - Parameters:
    ///   - environment: the engine's environment: its `PATH`, and the variables servers'
    ///     `pass_env` and `headers_env` name (nothing else reaches a server).
    ///   - runner: runs stdio servers, inside the kernel sandbox.
    ///   - http: the client of HTTP servers (one that fails at once when it cannot connect).
    ///   - clock: the clock of timeouts and backoffs.
    ///   - maxMessageBytes: the most bytes of one message from a server (16 MiB); a longer one
    ///     stops the server (a result past `max_output_bytes` but within it is cut instead).
    public init(
        environment: [String: String], runner: ProcessRunner, http: HTTPClient,
        clock: any Clock<Duration> = ContinuousClock(), maxMessageBytes: Int = 16 * 1_048_576,
        logger: Logger = Logger(label: "lemming.mcp")
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.environment = environment
        searchPath = environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        self.runner = runner
        self.http = http
        self.clock = clock
        self.logger = logger
        // The SDK's client logs through its transport's logger; what it says there, the pool says better.
        var quiet = logger
        quiet.logLevel = .critical
        sdkLogger = quiet
        (starts, startRequests) = AsyncStream.makeStream()
    }

    // MARK: - Settings

    /// Takes the org's servers: new ones are known (and start on need), changed ones restart on
    /// need, removed ones stop. Returns the tool sources of the servers, one each.
    public func configure(_ settings: MCPSettings, limits: ToolSettings.Limits, org: OrgPaths) -> [any ToolSource] {
        update { state in
            state.org = org
            state.limits = limits
            for name in state.servers.keys where settings[name] == nil { state.servers[name] = nil }
            for server in settings.servers {
                guard var known = state.servers[server.name] else {
                    state.servers[server.name] = Server(settings: server)
                    continue
                }
                guard known.settings != server else { continue }
                known.settings = server
                known.generation += 1
                known.phase = .idle
                known.failures = 0
                state.servers[server.name] = known
            }
        }
        return settings.servers.map {
            MCPToolSource(pool: self, server: $0.name, requiresApproval: $0.requiresApproval)
        }
    }

    // MARK: - Reading

    /// The tools `server` listed last, and why it cannot be used now (or `nil`).
    func listing(of server: String) -> (tools: [MCP.Tool], problem: String?) {
        state.withLock { state in
            guard let known = state.servers[server] else { return ([], "no MCP server named '\(server)'") }
            switch known.phase {
            case .ready(_, let tools): return (tools, nil)
            case .restarting(let reason): return ([], reason)
            case .idle, .starting: return ([], state.isStopped ? "the engine is closing" : nil)
            }
        }
    }

    /// The settings of `server`.
    func settings(of server: String) -> MCPSettings.Server? {
        state.withLock { $0.servers[server]?.settings }
    }

    /// Starts `server` if needed and waits until it listed its tools (at most its
    /// `startup_timeout_seconds`, and a little more for its own failure to be told).
    ///
    /// - Returns: its client and tools, or why it cannot be used.
    func ready(_ server: String) async -> Result<(Client, [MCP.Tool]), Unavailable> {
        guard let settings = settings(of: server) else {
            return .failure(Unavailable("no MCP server named '\(server)' in lemming.json mcp.servers"))
        }
        let limit = Deadline.seconds(settings.startupTimeoutSeconds) + .seconds(2)
        do {
            return try await bounded(limit) { [self] in
                while true {
                    let (phase, version) = startIfIdle(server)
                    switch phase {
                    case .ready(let client, let tools): return .success((client, tools))
                    case .restarting(let reason): return .failure(Unavailable(reason))
                    case nil: return .failure(Unavailable("the engine is closing"))
                    case .idle, .starting: await changed(since: version)
                    }
                    try Task.checkCancellation()
                }
            }
        } catch is DeadlineExceeded {
            return .failure(
                Unavailable(
                    "it did not start within \(Deadline.describe(limit)) (mcp.servers.\(server).startup_timeout_seconds)"
                ))
        } catch {
            return .failure(Unavailable("the call was cancelled"))
        }
    }

    /// Why a server cannot be used.
    struct Unavailable: Error, Sendable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The phase of `server` (asking for it to start when idle) and the state's version; `nil`
    /// phase when the pool stopped or the server is gone.
    private func startIfIdle(_ server: String) -> (Phase?, Int) {
        let (phase, version, start) = state.withLock { state -> (Phase?, Int, Bool) in
            guard !state.isStopped, var known = state.servers[server] else { return (nil, state.version, false) }
            guard case .idle = known.phase else { return (known.phase, state.version, false) }
            known.phase = .starting
            state.servers[server] = known
            return (.starting, state.version, true)
        }
        if start { startRequests.yield(server) }
        return (phase, version)
    }

    /// A call of `server` succeeded: its next failure restarts it after the shortest backoff.
    func markHealthy(_ server: String) {
        state.withLock { $0.servers[server]?.failures = 0 }
    }

    // MARK: - Running

    /// Runs the servers' connections until cancelled or shut down gracefully, then stops every
    /// server. Runs once per pool.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await server in starts.cancelOnGracefulShutdown() {
                group.addTask { await self.serve(server) }
            }
            group.cancelAll()
        }
        update { state in
            state.isStopped = true
            for name in state.servers.keys { state.servers[name]?.phase = .idle }
        }
    }

    /// Runs the pool beside `body` and stops every server when `body` ends.
    public func running<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Keeps one server connected: connects, and after an exit or a failure waits out the
    /// backoff and connects again, until its settings change, it is removed or the pool stops.
    private func serve(_ server: String) async {
        while !Task.isCancelled {
            guard
                let (settings, generation) = state.withLock({ state in
                    state.servers[server].map { ($0.settings, $0.generation) }
                })
            else { return }
            guard let reason = await connect(settings, generation: generation), !Task.isCancelled else { return }
            let delay: Duration? = update { state in
                guard var known = state.servers[server], known.generation == generation else { return nil }
                known.failures += 1
                let delay = Self.backoff(afterFailures: known.failures)
                known.phase = .restarting("\(reason); restarting in \(Deadline.describe(delay))")
                state.servers[server] = known
                return delay
            }
            guard let delay else { return }
            logger.warning("MCP server '\(server)': \(reason); restarting in \(Deadline.describe(delay))")
            do {
                try await clock.sleep(for: delay)
            } catch {
                return
            }
            let proceeds = update { state -> Bool in
                guard var known = state.servers[server], known.generation == generation else { return false }
                known.phase = .starting
                state.servers[server] = known
                return true
            }
            guard proceeds else { return }
        }
    }

    /// 1 s after the first failure, doubling to 60 s.
    static func backoff(afterFailures failures: Int) -> Duration {
        .seconds(min(60, 1 << min(max(failures - 1, 0), 6)))
    }

    /// The connection of one server's generation has its tools: publish them.
    func publish(_ server: String, generation: Int, phase: Phase) {
        update { state in
            guard var known = state.servers[server], known.generation == generation else { return }
            known.phase = phase
            state.servers[server] = known
        }
    }

    /// Waits until the settings of `server` change from `generation`, or it is removed.
    func stopped(_ server: String, generation: Int) async {
        while !Task.isCancelled {
            let version = state.withLock { state -> Int? in
                guard let known = state.servers[server], known.generation == generation else { return nil }
                return state.version
            }
            guard let version else { return }
            await changed(since: version)
        }
    }

    // MARK: - State changes

    /// Changes the state and wakes every waiter.
    @discardableResult
    private func update<T>(_ change: (inout State) -> T) -> T {
        let (result, waiters) = state.withLock { state in
            let result = change(&state)
            state.version += 1
            let waiters = state.waiters
            state.waiters = [:]
            return (result, waiters)
        }
        for waiter in waiters.values { waiter.resume() }
        return result
    }

    /// Returns once the state's version is no longer `version` (or the task is cancelled).
    private func changed(since version: Int) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumesNow = state.withLock { state -> Bool in
                    if state.version != version || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumesNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// `operation`, bounded by `duration` on the pool's clock.
    ///
    /// - Throws: ``DeadlineExceeded`` when the time ran out, or what `operation` threw.
    func bounded<T: Sendable>(
        _ duration: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await Self.bounded(duration, clock: clock, operation)
    }

    private static func bounded<C: Clock<Duration>, T: Sendable>(
        _ duration: Duration, clock: C, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withDeadline(duration, clock: clock, operation: operation)
    }

    /// The names of the servers of the current settings, sorted.
    public var serverNames: [String] {
        state.withLock { $0.servers.keys.sorted() }
    }

    /// The org and limits of the current settings.
    var org: (OrgPaths?, ToolSettings.Limits) {
        state.withLock { ($0.org, $0.limits) }
    }
}
