import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import LemmingA2A

/// A remote A2A agent on 127.0.0.1: its card says whether it streams; each task it creates answers
/// `answer` after `workingPolls` `GetTask`s (or never, when `nil`), or fails with `failure`. It
/// records the methods it was called with and the `Authorization` header.
final class FakeA2AAgent: Sendable {
    struct Script: Sendable {
        var streaming = false
        var workingPolls: Int? = 1
        var answer = "42"
        var failure: String?
    }

    let script: Script
    let calls = Mutex<[String]>([])
    let authorizations = Mutex<[String]>([])
    let polls = Mutex(0)
    let port: Int

    private init(script: Script, port: Int) {
        self.script = script
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    @discardableResult
    static func with<Result>(
        _ script: Script, isolation: isolated (any Actor)? = #isolation, _ body: (FakeA2AAgent) async throws -> Result
    ) async throws -> Result {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let agent = Mutex<FakeA2AAgent?>(nil)
        let router = Router()
        router.get("/.well-known/agent-card.json") { _, _ -> Response in
            let card = AgentCard(
                name: "fake", description: "A fake agent", version: "1",
                supportedInterfaces: [AgentCard.Interface(url: "/rpc")], streaming: script.streaming,
                skills: [AgentCard.Skill(id: "answer", name: "Answer", description: "Answers")])
            return Self.json(card.json)
        }
        router.post("/rpc") { request, _ -> Response in
            guard let fake = agent.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await fake.answer(request)
        }
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "fake-a2a", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await application.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let fake = FakeA2AAgent(script: script, port: port)
            agent.withLock { $0 = fake }
            return try await body(fake)
        }
    }

    static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter(style: .compact).bytes(value))))
    }

    func task(_ state: TaskState, message: String? = nil) -> A2ATask {
        var task = A2ATask(
            id: "task-1", contextID: "context-1",
            status: TaskStatus(
                state: state,
                message: message.map { A2AMessage(messageID: "s", role: .agent, parts: [.text($0)]) }))
        if state == .completed { task.artifacts = [Artifact(artifactID: "a", parts: [.text(script.answer)])] }
        return task
    }

    /// The task after one more look.
    func nextTask() -> A2ATask {
        let count = polls.withLock { count in
            count += 1
            return count
        }
        if let failure = script.failure { return task(.failed, message: failure) }
        guard let working = script.workingPolls, count > working else { return task(.working) }
        return task(.completed)
    }

    func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let rpc = try JSONRPCRequest.read(Array(body.readableBytesView)).get()
        calls.withLock { $0.append(rpc.method) }
        authorizations.withLock { $0.append(request.headers[.authorization] ?? "") }
        switch rpc.method {
        case "SendMessage":
            return Self.json(rpc.result(StreamResponse.task(task(.submitted)).json))
        case "GetTask":
            return Self.json(rpc.result(nextTask().json))
        case "CancelTask":
            return Self.json(rpc.result(task(.canceled).json))
        case "SendStreamingMessage":
            var events: [StreamResponse] = [
                .task(task(.submitted)),
                .statusUpdate(taskID: "task-1", contextID: "context-1", status: TaskStatus(state: .working)),
            ]
            if let failure = script.failure {
                events.append(
                    .statusUpdate(
                        taskID: "task-1", contextID: "context-1", status: task(.failed, message: failure).status))
            } else if script.workingPolls != nil {
                events.append(
                    .artifactUpdate(
                        taskID: "task-1", contextID: "context-1",
                        artifact: Artifact(artifactID: "a", parts: [.text(script.answer)])))
                events.append(
                    .statusUpdate(taskID: "task-1", contextID: "context-1", status: TaskStatus(state: .completed)))
            }
            var buffer = ByteBuffer()
            for event in events {
                buffer.writeString("data: " + JSONWriter(style: .compact).string(rpc.result(event.json)) + "\n\n")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody(byteBuffer: buffer))
        default:
            return Self.json(JSONRPCError(.methodNotFound, "no").response(id: rpc.id))
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct RemoteAgentCallTests {
    static func call(_ fake: FakeA2AAgent, timeout: Double = 120, clock: any Clock<Duration>) -> RemoteAgentCall {
        var agent = A2ASettings.RemoteAgent(name: "oracle", url: fake.url)
        agent.timeoutSeconds = timeout
        return RemoteAgentCall(
            agent: agent, client: A2AClient(headers: ["Authorization": "Bearer sekret"]), cards: AgentCardCache(),
            clock: clock)
    }

    @Test func aTaskIsPolledWithBackoffUntilItCompletes() async throws {
        try await FakeA2AAgent.with(.init(streaming: false, workingPolls: 2)) { fake in
            let clock = ManualClock(skipping: .seconds(5))
            let outcome = try await Self.call(fake, clock: clock).ask("What is the answer?", contextID: nil)
            #expect(outcome == .init(state: .completed, taskID: "task-1", contextID: "context-1", text: "42"))
            #expect(fake.calls.withLock { $0 } == ["SendMessage", "GetTask", "GetTask", "GetTask"])
            #expect(clock.skippedSleeps == [.milliseconds(500), .seconds(1), .seconds(2)])
            #expect(fake.authorizations.withLock { $0 }.allSatisfy { $0 == "Bearer sekret" })
        }
    }

    @Test func aStreamingAgentIsFollowedOverItsStream() async throws {
        try await FakeA2AAgent.with(.init(streaming: true)) { fake in
            let outcome = try await Self.call(fake, clock: ManualClock()).ask("Go", contextID: "context-1")
            #expect(outcome.text == "42")
            #expect(outcome.state == .completed)
            #expect(fake.calls.withLock { $0 } == ["SendStreamingMessage"])
        }
    }

    @Test func aTaskThatFailsIsAFailureWithItsReason() async throws {
        try await FakeA2AAgent.with(.init(streaming: true, failure: "no such city")) { fake in
            await #expect {
                try await Self.call(fake, clock: ManualClock()).ask("Go", contextID: nil)
            } throws: { error in
                let error = error as? A2AClientError
                return error?.code == .taskFailed && error?.message.contains("TASK_STATE_FAILED: no such city") == true
            }
        }
    }

    @Test func aTaskThatNeverEndsIsCanceledAtTheDeadline() async throws {
        try await FakeA2AAgent.with(.init(streaming: false, workingPolls: nil)) { fake in
            let clock = ManualClock(skipping: .seconds(5))
            await #expect {
                try await Self.call(fake, timeout: 30, clock: clock).ask("Go", contextID: nil)
            } throws: { error in
                let error = error as? A2AClientError
                return error?.code == .timeout
                    && error?.message == "oracle gave no answer within 30 s; task task-1 was canceled"
            }
            #expect(fake.calls.withLock { $0 }.last == "CancelTask")
        }
    }

    @Test func anAgentWithoutACardIsAClearFailureWithoutItsHeaders() async throws {
        try await FakeA2AAgent.with(.init()) { fake in
            let agent = A2ASettings.RemoteAgent(name: "gone", url: fake.url + "/missing")
            let call = RemoteAgentCall(
                agent: agent, client: A2AClient(headers: ["Authorization": "Bearer sekret"]), cards: AgentCardCache(),
                clock: ManualClock())
            await #expect {
                try await call.ask("Go", contextID: nil)
            } throws: { error in
                let text = "\(error)"
                return (error as? A2AClientError)?.code == .invalidCard
                    && text
                        == "fetching the Agent Card at \(fake.url)/missing/.well-known/agent-card.json answered HTTP 404"
            }
            #expect(fake.calls.withLock { $0 }.isEmpty)
        }
    }
}
