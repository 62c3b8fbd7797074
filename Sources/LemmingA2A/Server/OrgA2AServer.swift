import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// The org as an A2A v1.0 server (issue 14 §3): its Agent Card and the JSON-RPC methods
/// `SendMessage`, `SendStreamingMessage`, `SubscribeToTask`, `GetTask` and `CancelTask` over the
/// org's files, for whoever hosts the HTTP endpoint (`lemming serve` at `/a2a`).
///
/// `SendMessage` writes an entry from `human` to the chosen agent (`payload.a2a` marks it); the
/// task is that entry (``OrgTaskBook``). The agent is named by `metadata.skill` of the message or
/// of the request (a skill id of the card, i.e. an agent's name); with one exposed agent it is the
/// default, and a message continuing a context goes to that context's agent.
public struct OrgA2AServer: Sendable {
    public let paths: OrgPaths
    let steer: @Sendable ([ControlCommand]) async throws -> OrgSteering.Outcome
    let clock: any Clock<Duration>
    let wallClock: any WallClock
    /// How often a waiting call or a stream looks at the org again.
    let pollInterval: Duration
    /// Seconds between keep-alive comments of a quiet stream.
    let keepAlive: Duration
    let version: String
    let book: OrgTaskBook

    /// - Parameters:
    ///   - steer: applies control commands now, or queues them for a running engine.
    ///   - version: the engine's version, for the card.
    public init(
        paths: OrgPaths, version: String,
        steer: @escaping @Sendable ([ControlCommand]) async throws -> OrgSteering.Outcome,
        clock: any Clock<Duration> = ContinuousClock(), wallClock: any WallClock = SystemWallClock(),
        pollInterval: Duration = .milliseconds(250), keepAlive: Duration = .seconds(15)
    ) {
        self.paths = paths
        self.version = version
        self.steer = steer
        self.clock = clock
        self.wallClock = wallClock
        self.pollInterval = pollInterval
        self.keepAlive = keepAlive
        book = OrgTaskBook(paths: paths) { Timestamp.format(wallClock.now()) }
    }

    /// The methods that change the org: they need the API's write access.
    public static let changingMethods: Set<String> = ["SendMessage", "SendStreamingMessage", "CancelTask"]
    /// The methods answered with a server-sent event stream.
    public static let streamingMethods: Set<String> = ["SendStreamingMessage", "SubscribeToTask"]

    func view() throws(JSONRPCError) -> OrgView {
        do {
            return try OrgView.load(root: paths.root)
        } catch {
            throw JSONRPCError(.internalError, "the org cannot be read: \(error)")
        }
    }

    // MARK: - The card

    /// The org's Agent Card: one skill per exposed agent (`a2a.expose`), the JSON-RPC interface at
    /// `endpoint`, and the bearer scheme when the API needs a key.
    ///
    /// - Throws: ``JSONRPCError`` internal error when the org cannot be read.
    public func card(endpoint: String, requiresKey: Bool) throws(JSONRPCError) -> AgentCard {
        let view = try view()
        let skills = view.config.a2a.expose.compactMap { name -> AgentCard.Skill? in
            guard let resume = view.agents[name]?.resume else { return nil }
            return AgentCard.Skill(
                id: name, name: resume.title, description: resume.shortDescription,
                tags: [resume.department].compactMap { $0 } + resume.tags)
        }
        let exposed = skills.map(\.name).joined(separator: ", ")
        var card = AgentCard(
            name: view.config.name,
            description: "A LeMMing org"
                + (skills.isEmpty ? " that exposes no agents over A2A." : " whose agents answer messages: \(exposed).")
                + " Name one with message metadata {\"skill\": \"<id>\"}.",
            version: version, supportedInterfaces: [AgentCard.Interface(url: endpoint)], streaming: true,
            skills: skills)
        if requiresKey {
            card.securitySchemes = [
                "bearer": [
                    "httpAuthSecurityScheme": [
                        "scheme": "bearer", "description": "An API key of the org (server.api_key_env).",
                    ]
                ]
            ]
            card.securityRequirements = [["bearer"]]
        }
        return card
    }

    // MARK: - Methods

    /// The answer to a method that is not streamed: a JSON-RPC response, success or error.
    public func respond(to request: JSONRPCRequest) async -> JSONValue {
        do {
            switch request.method {
            case "SendMessage":
                let (task, configuration) = try await send(request.params)
                var current = task
                if configuration["returnImmediately"]?.boolValue != true {
                    current = try await settled(task)
                }
                let history = try Self.historyLength(configuration)
                return request.result(["task": current.limitingHistory(to: history).json])
            case "GetTask":
                let history = try Self.historyLength(request.params)
                return request.result(try lookUp(request.params).limitingHistory(to: history).json)
            case "CancelTask":
                return request.result(try await cancel(request.params).json)
            default:
                throw Self.unknown(request.method)
            }
        } catch {
            return error.response(id: request.id)
        }
    }

    /// Starts a streamed method: sends the message (`SendStreamingMessage`) or finds the task
    /// (`SubscribeToTask`). Errors here are answered as a plain JSON-RPC response, as `a2a-sdk` does.
    ///
    /// - Returns: the task the stream follows.
    /// - Throws: ``JSONRPCError`` for a bad request, an unknown task, or a task that has ended.
    public func startStream(_ request: JSONRPCRequest) async throws(JSONRPCError) -> A2ATask {
        switch request.method {
        case "SendStreamingMessage":
            return try await send(request.params).task
        case "SubscribeToTask":
            let task = try lookUp(request.params)
            guard !task.status.state.isTerminal else {
                throw JSONRPCError(.unsupportedOperation, "task \(task.id) has ended (\(task.status.state.rawValue))")
            }
            return task
        default:
            throw Self.unknown(request.method)
        }
    }

    /// Streams task events (each a JSON-RPC response to `request`) until the task ends or waits for
    /// its client: the task first, then a status update at each change (the artifact before the
    /// completion). `emit(nil)` asks for a keep-alive comment on a quiet stream; an `emit` that
    /// throws (the client left) ends the stream.
    /// - Parameters:
    ///   - isStopping: asked before each look at the org: `true` ends the stream (the server shuts down).
    public func follow(
        _ task: A2ATask, request: JSONRPCRequest, isStopping: () -> Bool = { false },
        emit: (JSONValue?) async throws -> Void
    ) async throws {
        try await emit(request.result(StreamResponse.task(task).json))
        var last = task
        var quiet = Duration.zero
        while !last.status.state.isTerminal && !last.status.state.isInterrupted && !isStopping() {
            try await clock.sleep(for: pollInterval)
            quiet += pollInterval
            guard let now = book.task(last.id, in: try view()) else { return }
            if now.status.state != last.status.state {
                if now.status.state == .completed {
                    for artifact in now.artifacts {
                        try await emit(
                            request.result(
                                StreamResponse.artifactUpdate(
                                    taskID: now.id, contextID: now.contextID, artifact: artifact
                                )
                                .json))
                    }
                }
                try await emit(
                    request.result(
                        StreamResponse.statusUpdate(taskID: now.id, contextID: now.contextID, status: now.status).json))
                quiet = .zero
            } else if quiet >= keepAlive {
                try await emit(nil)
                quiet = .zero
            }
            last = now
        }
    }

    static func unknown(_ method: String) -> JSONRPCError {
        switch method {
        case "ListTasks", "GetExtendedAgentCard":
            return JSONRPCError(.unsupportedOperation, "\(method) is not supported by this server")
        case "CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig", "ListTaskPushNotificationConfigs",
            "DeleteTaskPushNotificationConfig":
            return JSONRPCError(.pushNotificationNotSupported, "push notifications are not supported by this server")
        default:
            return JSONRPCError(
                .methodNotFound,
                "no method '\(method)' (methods: SendMessage, SendStreamingMessage, SubscribeToTask, GetTask, CancelTask)"
            )
        }
    }

    static func historyLength(_ object: JSONObject) throws(JSONRPCError) -> Int? {
        guard let value = object["historyLength"], !value.isNull else { return nil }
        guard let length = value.intValue, length >= 0 else {
            throw .invalidParams("historyLength must be an integer of at least 0")
        }
        return length
    }

    // MARK: - Tasks

    func lookUp(_ params: JSONObject) throws(JSONRPCError) -> A2ATask {
        guard let id = params["id"]?.stringValue, !id.isEmpty else { throw .invalidParams("id is required: a task id") }
        guard let task = book.task(id, in: try view()) else { throw .taskNotFound(id) }
        return task
    }

    /// Waits for the task to end or wait for its client, up to `a2a.wait_seconds`; the task as it
    /// then stands.
    func settled(_ task: A2ATask) async throws(JSONRPCError) -> A2ATask {
        let view = try view()
        let limit = Duration.milliseconds(Int(view.config.a2a.waitSeconds * 1_000))
        var current = task
        var waited = Duration.zero
        while !current.status.state.isTerminal && !current.status.state.isInterrupted && waited < limit {
            do {
                try await clock.sleep(for: min(pollInterval, limit - waited))
            } catch {
                return current
            }
            waited += pollInterval
            current = book.task(task.id, in: try self.view()) ?? current
        }
        return current
    }

    /// Cancels a task that has not ended: records the verdict (``TaskVerdicts``) and tells the
    /// agent with an entry of kind `cancel` replying to the task, so a turn that has not started on
    /// it can leave it.
    func cancel(_ params: JSONObject) async throws(JSONRPCError) -> A2ATask {
        let view = try view()
        let task = try lookUp(params)
        guard !task.status.state.isTerminal else {
            throw JSONRPCError(
                .taskNotCancelable, "task \(task.id) has already ended (\(task.status.state.rawValue))")
        }
        do {
            try book.verdicts.record(
                task.id, state: .canceled, reason: "Canceled by the client.", at: Timestamp.format(wallClock.now()))
        } catch {
            throw JSONRPCError(.internalError, "the cancel could not be recorded: \(error)")
        }
        if let (_, agent) = book.entry(task.id, in: view) {
            let notice = HumanMessage(
                to: [agent],
                text: "The A2A client canceled request \(task.id): stop working on it; no answer is needed.",
                kind: "cancel", replyTo: task.id)
            // The verdict stands whether or not the agent can be told (it may be gone).
            _ = try? await steer([.send(notice)])
        }
        return book.task(task.id, in: try self.view()) ?? task
    }
}

extension Error {
    /// The JSON-RPC error response of any error: a ``JSONRPCError`` as it is, anything else an
    /// internal error.
    func response(id: JSONValue) -> JSONValue {
        (self as? JSONRPCError ?? JSONRPCError(.internalError, "\(self)")).response(id: id)
    }
}
