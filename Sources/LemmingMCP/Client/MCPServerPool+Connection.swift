import LemmingCore
import LemmingJSON
import LemmingProcess
import Logging
import MCP

extension MCPServerPool {
    /// How one connection ended.
    private enum Ending: Sendable {
        /// The server failed or exited, for this reason: it is restarted after a backoff.
        case failed(String)
        /// Its settings changed or the pool stopped.
        case stopped
    }

    /// Connects to a server and keeps the connection until it ends.
    ///
    /// - Returns: why the server failed or exited, or `nil` when the connection was stopped.
    func connect(_ settings: MCPSettings.Server, generation: Int) async -> String? {
        switch settings.transport {
        case .stdio:
            let request: ProcessRunner.Request
            switch programRequest(settings) {
            case .success(let made): request = made
            case .failure(let unavailable): return unavailable.reason
            }
            let result = await runner.session(request, maxLineBytes: maxMessageBytes) { [self] session in
                let transport = ProgramTransport(
                    session: session, maxMessageBytes: maxMessageBytes, logger: sdkLogger)
                return await converse(settings, generation: generation, transport: transport) {
                    await transport.pump()
                }
            }
            switch result {
            case .failure(let failure):
                return Self.describe(failure)
            case .success(let (reason, outcome)):
                guard let reason else { return nil }
                // The program's own end: how it exited and the last line of its stderr. (When the
                // engine stopped it, that is said by the reason and its status would mislead.)
                guard reason == ProgramTransport.closedOutput else { return reason }
                let detail = outcome.errorSummary.split(separator: "\n").last.map { ": \($0.prefix(300))" } ?? ""
                return "it \(outcome.statusDescription)\(detail)"
            }
        case .streamableHTTP:
            var headers: [(String, String)] = []
            for name in settings.headersEnv.keys.sorted() {
                guard let variable = settings.headersEnv[name] else { continue }
                guard let value = environment[variable], !value.isEmpty else {
                    return "the environment variable \(variable) (for its \(name) header) is not set"
                }
                headers.append((name, value))
            }
            let transport = StreamableHTTPTransport(
                url: settings.url ?? "", headers: headers, client: http, maxMessageBytes: maxMessageBytes,
                requestTimeout: Deadline.seconds(max(settings.timeoutSeconds, settings.startupTimeoutSeconds))
                    + .seconds(5),
                logger: sdkLogger)
            return await converse(settings, generation: generation, transport: transport) {
                await transport.closed()
            }
        }
    }

    /// Initializes the session, lists the tools, publishes them, and waits until the connection
    /// ends: `pump` returns a reason (the program's output ended, the HTTP session was lost), or
    /// the settings change or the pool stops. When the server says its tools changed
    /// (`notifications/tools/list_changed`), they are listed again — by a task of the connection,
    /// never inside the SDK's reading loop, which must go on reading the answer.
    private func converse(
        _ settings: MCPSettings.Server, generation: Int, transport: any Transport,
        pump: @escaping @Sendable () async -> String?
    ) async -> String? {
        let server = settings.name
        let client = Client(name: "lemming", version: LemmingVersion.current)
        let startup = Deadline.seconds(settings.startupTimeoutSeconds)
        let started = OnceFlag()
        let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let ending = await withTaskGroup(of: Ending.self, returning: Ending.self) { group in
            group.addTask { await pump().map(Ending.failed) ?? .stopped }
            group.addTask { [self] in
                do {
                    // MCP requires clients to answer pings.
                    await client.withMethodHandler(Ping.self) { _ in Empty() }
                    await client.onNotification(ToolListChangedNotification.self) { _ in changed.yield() }
                    _ = try await client.connect(transport: transport)
                    let tools = try await Self.listTools(client)
                    started.raise()
                    publish(server, generation: generation, phase: .ready(client, tools))
                    for await _ in changes {
                        guard let tools = try? await Self.listTools(client) else { continue }
                        publish(server, generation: generation, phase: .ready(client, tools))
                    }
                    return .stopped
                } catch is CancellationError {
                    return .stopped
                } catch {
                    return .failed("it could not start: \(Self.describe(error))")
                }
            }
            group.addTask { [self] in
                await stopped(server, generation: generation)
                return .stopped
            }
            // The SDK's requests wait until answered; a server that never answers is given up
            // at its startup timeout (the disconnect below ends the waiting requests).
            group.addTask { [self] in
                do {
                    try await clock.sleep(for: startup)
                } catch {
                    return .stopped
                }
                guard started.isRaised else {
                    return .failed(
                        "it did not answer initialize and tools/list within \(Deadline.describe(startup)) "
                            + "(its startup_timeout_seconds)")
                }
                await stopped(server, generation: generation)
                return .stopped
            }
            var first = await group.next() ?? .stopped
            if Task.isCancelled { first = .stopped }
            changed.finish()
            // Pending requests fail now; then the other tasks can end.
            await client.disconnect()
            group.cancelAll()
            return first
        }
        switch ending {
        case .failed(let reason): return reason
        case .stopped: return nil
        }
    }

    /// Every tool the server lists (`tools/list`, page by page), each checked on its own.
    static func listTools(_ client: Client) async throws -> ServerTools {
        var tools = ServerTools()
        var cursor: String?
        for _ in 0..<maxToolPages {
            let parameters = cursor.map { ListTools.Parameters(cursor: $0) } ?? ListTools.Parameters()
            let page = try await client.send(LenientListTools.request(parameters)).value
            tools.add(page.tools)
            cursor = page.nextCursor
            if cursor == nil || tools.tools.count >= ServerTools.maxTools { break }
        }
        return tools
    }

    /// The program request of a stdio server: its command (the program relative to the org
    /// folder when it has a `/`, else looked up on `PATH`; arguments naming a file of the org
    /// made absolute), run in its own folder `state/mcp/<server>/` (which it may write, as it may
    /// `shared/`) with a scrubbed environment, inside the kernel sandbox unless its `sandbox` is
    /// `none`.
    private func programRequest(_ settings: MCPSettings.Server) -> Result<ProcessRunner.Request, Unavailable> {
        let (org, limits) = self.org
        guard let org, let program = settings.command.first else {
            return .failure(Unavailable("it has no command"))
        }
        guard let executable = ProgramLocator.resolve(program, relativeTo: org.root, path: searchPath) else {
            return .failure(Unavailable("'\(program)' was not found on PATH"))
        }
        if settings.sandbox == .kernel, !runner.sandbox.isAvailable {
            return .failure(
                Unavailable(
                    "programs run only inside a kernel sandbox, and this machine has none (\(runner.sandbox)); "
                        + "the operator may opt out with \"sandbox\": \"none\" at lemming.json mcp.servers.\(settings.name)"
                ))
        }
        let arguments = settings.command.dropFirst().map { argument -> String in
            guard !argument.hasPrefix("/"), argument.contains("/"), !argument.hasPrefix("-"),
                FileSystem.exists(org.root + "/" + argument)
            else { return argument }
            return org.root + "/" + argument
        }
        // Its own folder, which agents cannot write: a working folder they could write would let
        // them plant code the server loads from it (`python -m`, `.env` files, node_modules).
        let home = org.state + "/mcp/" + settings.name
        do {
            try FileSystem.makeDirectory(org.shared)
            try FileSystem.makeDirectory(home)
        } catch {
            return .failure(Unavailable("could not create its folder: \(error)"))
        }
        var variables = settings.env
        for name in settings.passEnv { if let value = environment[name] { variables[name] = value } }
        variables["PATH"] = searchPath
        let others = settings.exec.compactMap { $0.hasPrefix("/") ? $0 : ProgramLocator.locate($0, path: searchPath) }
        let userHome = environment["HOME"] ?? "/root"
        let policy = SandboxPolicy.program(
            executables: [executable] + others, writable: [home, org.shared], searchPath: searchPath,
            extraReadable: [FileSystem.parentDirectory(of: executable)]
                + arguments.filter { $0.hasPrefix("/") && FileSystem.exists($0) },
            protecting: [org.root, userHome], allowsNetwork: settings.allowsNetwork,
            // A server lives as long as the engine: no CPU-time limit (calls have timeouts).
            limits: ResourceLimits(
                maxFileBytes: limits.maxFileBytes, maxProcesses: limits.maxProcesses,
                maxMemoryBytes: limits.maxMemoryBytes, maxOpenFiles: limits.maxOpenFiles))
        return .success(
            ProcessRunner.Request(
                executable: executable, arguments: Array(arguments), workingDirectory: home,
                environment: variables, timeout: .zero, outputLimit: 0, errorLimit: 2_048,
                policy: settings.sandbox == .kernel ? policy : nil, gracePeriod: .seconds(2)))
    }

    static func describe(_ failure: ProcessRunner.Failure) -> String {
        switch failure {
        case .couldNotStart(let reason): return reason
        case .sandboxUnavailable(let reason): return "it was not run: no kernel sandbox (\(reason))"
        case .timedOut: return "it timed out"
        }
    }

    /// An error of the SDK or a transport, in one line.
    static func describe(_ error: any Error) -> String {
        if let error = error as? MCPError { return error.errorDescription ?? "\(error)" }
        return "\(error)"
    }
}
