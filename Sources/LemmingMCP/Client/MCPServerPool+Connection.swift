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
            let result = await runner.session(request) { [self] session in
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
                let detail = outcome.errorSummary.split(separator: "\n").last.map { ": \($0.prefix(300))" } ?? ""
                return "\(reason) (it \(outcome.statusDescription))\(detail)"
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
    /// the settings change or the pool stops.
    private func converse(
        _ settings: MCPSettings.Server, generation: Int, transport: any Transport,
        pump: @escaping @Sendable () async -> String?
    ) async -> String? {
        let server = settings.name
        let client = Client(name: "lemming", version: LemmingVersion.current)
        let startup = Deadline.seconds(settings.startupTimeoutSeconds)
        let started = Flag()
        let ending = await withTaskGroup(of: Ending.self, returning: Ending.self) { group in
            group.addTask { await pump().map(Ending.failed) ?? .stopped }
            group.addTask { [self] in
                do {
                    _ = try await client.connect(transport: transport)
                    let tools = try await Self.listTools(client)
                    await client.onNotification(ToolListChangedNotification.self) { [self] _ in
                        let tools = try await Self.listTools(client)
                        publish(server, generation: generation, phase: .ready(client, tools))
                    }
                    started.raise()
                    publish(server, generation: generation, phase: .ready(client, tools))
                } catch is CancellationError {
                    return .stopped
                } catch {
                    return .failed("it could not start: \(Self.describe(error))")
                }
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
            if case .failed(let reason) = first {
                // Calls waiting on this connection read why it ended.
                publish(server, generation: generation, phase: .restarting(reason))
            }
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

    /// Every tool the server lists (`tools/list`, page by page), up to ``maxTools``.
    static func listTools(_ client: Client) async throws -> [MCP.Tool] {
        var tools: [MCP.Tool] = []
        var cursor: String?
        for _ in 0..<maxToolPages {
            let page = try await client.listTools(cursor: cursor)
            tools += page.tools.filter { MCPTool.isValidName($0.name) }
            cursor = page.nextCursor
            if cursor == nil || tools.count >= maxTools { break }
        }
        return Array(tools.prefix(maxTools))
    }

    /// The program request of a stdio server: its command (the program relative to the org
    /// folder when it has a `/`, else looked up on `PATH`; arguments naming a file of the org
    /// made absolute), run in the org's `shared/` folder with a scrubbed environment, inside the
    /// kernel sandbox unless its `sandbox` is `none`.
    private func programRequest(_ settings: MCPSettings.Server) -> Result<ProcessRunner.Request, Unavailable> {
        let (org, limits) = self.org
        guard let org, let program = settings.command.first else {
            return .failure(Unavailable("it has no command"))
        }
        let executable: String
        if program.hasPrefix("/") {
            executable = program
        } else if program.contains("/") {
            executable = org.root + "/" + program
        } else if let found = ProgramLocator.locate(program, path: searchPath) {
            executable = found
        } else {
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
        do {
            try FileSystem.makeDirectory(org.shared)
        } catch {
            return .failure(Unavailable("could not create shared/: \(error)"))
        }
        var variables = settings.env
        for name in settings.passEnv { if let value = environment[name] { variables[name] = value } }
        variables["PATH"] = searchPath
        let others = settings.exec.compactMap { $0.hasPrefix("/") ? $0 : ProgramLocator.locate($0, path: searchPath) }
        let home = environment["HOME"] ?? "/root"
        let policy = SandboxPolicy.program(
            executables: [executable] + others, writable: [org.shared], searchPath: searchPath,
            extraReadable: [FileSystem.parentDirectory(of: executable)]
                + arguments.filter { $0.hasPrefix("/") && FileSystem.exists($0) },
            protecting: [org.root, home], allowsNetwork: settings.allowsNetwork,
            // A server lives as long as the engine: no CPU-time limit (calls have timeouts).
            limits: ResourceLimits(
                maxFileBytes: limits.maxFileBytes, maxProcesses: limits.maxProcesses,
                maxMemoryBytes: limits.maxMemoryBytes, maxOpenFiles: limits.maxOpenFiles))
        return .success(
            ProcessRunner.Request(
                executable: executable, arguments: Array(arguments), workingDirectory: org.shared,
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
