import Foundation
import LemmingCore
import LemmingJSON
import Synchronization

/// One question to a remote A2A agent, followed to its answer within a deadline (the tool
/// `a2a.<name>`, issue 14 §3).
///
/// Sends the text as a user message (in the context `contextID` when given), then follows the
/// task: over `SendStreamingMessage` when the card says `capabilities.streaming`, else by polling
/// `GetTask` with backoff (`initialPoll`, doubling up to `maximumPoll`) on the injected clock.
/// Past the deadline it sends `CancelTask` and fails.
public struct RemoteAgentCall: Sendable {
    /// How a call ended.
    public struct Outcome: Sendable, Equatable {
        public var state: TaskState?
        public var taskID: String?
        public var contextID: String?
        /// The answer: the text of the task's artifacts, else of its status message, or of the
        /// message the agent answered with.
        public var text: String

        public var json: JSONValue {
            [
                "state": .optional(state?.rawValue), "task_id": .optional(taskID), "context_id": .optional(contextID),
                "answer": .string(text),
            ]
        }
    }

    public let agent: A2ASettings.RemoteAgent
    let client: A2AClient
    let cards: AgentCardCache
    let clock: any Clock<Duration>
    var initialPoll = Duration.milliseconds(500)
    var maximumPoll = Duration.seconds(5)

    public init(
        agent: A2ASettings.RemoteAgent, client: A2AClient, cards: AgentCardCache = .shared,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.agent = agent
        self.client = client
        self.cards = cards
        self.clock = clock
    }

    var timeout: Duration { .milliseconds(Int(agent.timeoutSeconds * 1_000)) }

    /// Asks the agent and waits for its answer.
    ///
    /// - Throws: ``A2AClientError``: `.timeout` past `timeout_seconds` (after `CancelTask`),
    ///   `.taskFailed` when the task fails, is canceled or rejected, and the errors of
    ///   ``A2AClient``.
    public func ask(_ text: String, contextID: String?) async throws -> Outcome {
        let progress = Progress()
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    try await follow(text, contextID: contextID, progress: progress)
                }
                group.addTask {
                    try await clock.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let outcome = first else {
                    throw A2AClientError(.timeout, "")
                }
                return outcome
            }
        } catch let error as A2AClientError where error.code == .timeout {
            var message =
                "\(agent.name) gave no answer within \(Deadline.describe(Deadline.seconds(agent.timeoutSeconds)))"
            if let (id, url) = progress.task {
                let canceled = try? await client.call(
                    url, method: "CancelTask", params: ["id": .string(id)], timeout: .seconds(10))
                message += canceled == nil ? "; canceling task \(id) failed" : "; task \(id) was canceled"
            }
            throw A2AClientError(.timeout, message)
        } catch {
            if error is A2AClientError { cards.forget(agent.url) }
            throw error
        }
    }

    private func follow(
        _ text: String, contextID: String?, progress: Progress
    ) async throws -> Outcome {
        let card = try await cards.card(agent.url) { try await client.fetchCard(agent.url, timeout: timeout) }
        guard let interface = card.jsonRPCInterface else {
            throw A2AClientError(.invalidCard, "\(agent.name)'s Agent Card offers no JSON-RPC interface")
        }
        progress.endpoint.withLock { $0 = interface.url }
        let message = A2AMessage(
            messageID: UUID().uuidString, role: .user, parts: [.text(text)], contextID: contextID)
        var tracker = TaskTracker()
        if card.streaming {
            try await client.stream(
                interface.url, method: "SendStreamingMessage", params: ["message": message.json], timeout: timeout
            ) { event in
                tracker.apply(event)
                if let id = tracker.task?.id { progress.taskID.withLock { $0 = id } }
                return !tracker.isSettled
            }
            if let outcome = try tracker.outcome(agent: agent.name) { return outcome }
        } else {
            let result = try await client.call(
                interface.url, method: "SendMessage",
                params: ["message": message.json, "configuration": ["returnImmediately": true]], timeout: timeout)
            guard let event = StreamResponse(json: result) else {
                throw A2AClientError(.remote, "SendMessage answered neither a task nor a message")
            }
            tracker.apply(event)
            if let outcome = try tracker.outcome(agent: agent.name) { return outcome }
        }
        guard let id = tracker.task?.id else {
            throw A2AClientError(.remote, "\(agent.name) answered no task to follow")
        }
        progress.taskID.withLock { $0 = id }
        var pause = initialPoll
        while true {
            try await clock.sleep(for: pause)
            pause = min(pause * 2, maximumPoll)
            let result = try await client.call(
                interface.url, method: "GetTask", params: ["id": .string(id)], timeout: timeout)
            guard let task = A2ATask(json: result) else { throw A2AClientError(.remote, "GetTask answered no task") }
            tracker.apply(.task(task))
            if let outcome = try tracker.outcome(agent: agent.name) { return outcome }
        }
    }
}

/// What a call has learnt so far: the endpoint and the task id to cancel at the deadline.
final class Progress: Sendable {
    let endpoint = Mutex<String?>(nil)
    let taskID = Mutex<String?>(nil)

    var task: (id: String, endpoint: String)? {
        guard let id = taskID.withLock({ $0 }), let url = endpoint.withLock({ $0 }) else { return nil }
        return (id, url)
    }
}

/// The state of a remote task as its events tell it.
struct TaskTracker: Sendable {
    var task: A2ATask?
    var message: A2AMessage?

    mutating func apply(_ event: StreamResponse) {
        switch event {
        case .task(let task): self.task = task
        case .message(let message): self.message = message
        case .statusUpdate(let taskID, let contextID, let status):
            if task == nil { task = A2ATask(id: taskID, contextID: contextID, status: status) }
            task?.status = status
        case .artifactUpdate(let taskID, let contextID, let artifact):
            if task == nil { task = A2ATask(id: taskID, contextID: contextID, status: TaskStatus(state: .working)) }
            task?.artifacts.removeAll { $0.artifactID == artifact.artifactID }
            task?.artifacts.append(artifact)
        }
    }

    /// Nothing more will come: an answer message, or a task that ended or waits for input.
    var isSettled: Bool {
        message != nil || task.map { $0.status.state.isTerminal || $0.status.state.isInterrupted } ?? false
    }

    /// The outcome once settled, `nil` before.
    ///
    /// - Throws: ``A2AClientError`` `.taskFailed` for a task that failed, was canceled or rejected,
    ///   or needs authentication.
    func outcome(agent: String) throws -> RemoteAgentCall.Outcome? {
        if let message {
            return RemoteAgentCall.Outcome(
                state: nil, taskID: message.taskID, contextID: message.contextID, text: message.parts.text)
        }
        guard let task, isSettled else { return nil }
        let artifacts = task.artifacts.flatMap(\.parts).text
        let status = task.status.message?.parts.text ?? ""
        switch task.status.state {
        case .completed, .inputRequired:
            return RemoteAgentCall.Outcome(
                state: task.status.state, taskID: task.id, contextID: task.contextID,
                text: artifacts.isEmpty ? status : artifacts)
        default:
            let why = status.isEmpty ? "" : ": \(status)"
            throw A2AClientError(
                .taskFailed, "\(agent)'s task \(task.id) ended \(task.status.state.rawValue)\(why)")
        }
    }
}
