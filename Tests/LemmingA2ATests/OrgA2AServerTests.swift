import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Synchronization
import Testing

@testable import LemmingA2A

/// The org as an A2A server on a temporary org: `manager` reads the human and answers the first
/// A2A task at tick 1; `coder` reads the human too but is not exposed; `mute` does not read the human.
@Suite(.timeLimit(.minutes(1))) struct OrgA2AServerTests {
    static let firstTask = "00000001-human-01"

    static func makeOrg(
        expose: [String] = ["manager"], reply: JSONValue? = nil, extra: JSONObject = [:]
    ) throws -> TemporaryOrg {
        let answer: JSONValue =
            reply ?? [
                "outbox_entries": [
                    [
                        "kind": "response", "payload": ["text": "The plan is ready."], "to": ["human"],
                        "reply_to": .string(firstTask),
                    ]
                ]
            ]
        return try TemporaryOrg.make(
            agents: [
                TestAgent("manager", reads: ["human"], extra: extra), TestAgent("coder", reads: ["human"]),
                TestAgent("mute"),
            ],
            replies: [ScriptLine("manager", tick: 1, answer)], config: ["a2a": ["expose": .strings(expose)]])
    }

    static func server(_ org: TemporaryOrg, clock: any Clock<Duration> = ContinuousClock()) -> OrgA2AServer {
        OrgA2AServer(
            paths: org.paths, version: "9.9.9",
            steer: { commands in
                try await OrgSteering(paths: org.paths, clock: TemporaryOrg.fixedClock) { try await org.engine() }
                    .submit(commands)
            }, clock: clock, wallClock: TemporaryOrg.fixedClock, pollInterval: .milliseconds(100))
    }

    static func send(
        _ text: String, metadata: JSONObject? = nil, wait: Bool = false, extra: JSONObject = [:]
    )
        -> JSONRPCRequest
    {
        var message: JSONObject = ["messageId": "m-1", "role": "ROLE_USER", "parts": [["text": .string(text)]]]
        if let metadata { message["metadata"] = .object(metadata) }
        for (key, value) in extra { message[key] = value }
        return JSONRPCRequest(
            id: 1, method: "SendMessage",
            params: ["message": .object(message), "configuration": ["returnImmediately": .bool(!wait)]])
    }

    static func get(_ id: String, history: Int? = nil) -> JSONRPCRequest {
        var params: JSONObject = ["id": .string(id)]
        if let history { params["historyLength"] = .int(history) }
        return JSONRPCRequest(id: 2, method: "GetTask", params: params)
    }

    static func cancel(_ id: String) -> JSONRPCRequest {
        JSONRPCRequest(id: 3, method: "CancelTask", params: ["id": .string(id)])
    }

    @Test func theCardOffersTheExposedAgentsAsSkills() throws {
        let org = try Self.makeOrg(expose: ["manager", "coder"])
        defer { org.remove() }
        let card = try Self.server(org).card(endpoint: "http://127.0.0.1:9/a2a", requiresKey: true)
        #expect(card.skills.map(\.id) == ["manager", "coder"])
        #expect(card.skills.first?.name == "Agent manager")
        #expect(card.version == "9.9.9")
        #expect(card.supportedInterfaces == [AgentCard.Interface(url: "http://127.0.0.1:9/a2a")])
        #expect(card.json["securitySchemes"]?["bearer"]?["httpAuthSecurityScheme"]?["scheme"] == "bearer")
        let open = try Self.server(org).card(endpoint: "http://x/a2a", requiresKey: false)
        #expect(open.json["securitySchemes"] == nil)
    }

    @Test func aMessageIsATaskThatCompletesWithTheAgentsReply() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let server = Self.server(org)
        let sent = await server.respond(to: Self.send("Plan the launch"))
        let task = try #require(sent["result"]?["task"])
        #expect(task["id"] == .string(Self.firstTask))
        #expect(task["contextId"] == .string(Self.firstTask))
        #expect(task["status"]?["state"] == "TASK_STATE_SUBMITTED")
        let entry = try #require(try org.entries(of: "human").first)
        #expect(entry.recipients == ["manager"])
        #expect(entry.text == "Plan the launch")
        #expect(entry.payload["a2a"]?["message_id"] == "m-1")

        try await org.run(ticks: 1)
        let done = try #require(await server.respond(to: Self.get(Self.firstTask))["result"])
        #expect(done["status"]?["state"] == "TASK_STATE_COMPLETED")
        #expect(done["status"]?["message"]?["parts"] == [["text": "The plan is ready."]])
        #expect(done["status"]?["message"]?["role"] == "ROLE_AGENT")
        #expect(done["artifacts"]?.arrayValue?.first?["parts"] == [["text": "The plan is ready."]])
        #expect(done["history"]?.arrayValue?.count == 2)
        let short = await server.respond(to: Self.get(Self.firstTask, history: 1))
        #expect(short["result"]?["history"]?.arrayValue?.map { $0["role"] } == ["ROLE_AGENT"])
    }

    @Test func aTaskTheAgentReadButDidNotAnswerIsWorking() async throws {
        let org = try Self.makeOrg(reply: ["notes": "thinking"])
        defer { org.remove() }
        let server = Self.server(org)
        _ = await server.respond(to: Self.send("Plan the launch"))
        try await org.run(ticks: 1)
        #expect(
            await server.respond(to: Self.get(Self.firstTask))["result"]?["status"]?["state"] == "TASK_STATE_WORKING")
    }

    @Test func anEntryReplyingToTheTaskForTeammatesOnlyIsNoAnswer() async throws {
        let delegation: JSONValue = [
            "outbox_entries": [
                ["payload": ["text": "Coder, please draft it."], "to": ["coder"], "reply_to": .string(Self.firstTask)]
            ]
        ]
        let org = try Self.makeOrg(reply: delegation)
        defer { org.remove() }
        let server = Self.server(org)
        _ = await server.respond(to: Self.send("Plan the launch"))
        try await org.run(ticks: 1)
        let task = await server.respond(to: Self.get(Self.firstTask))["result"]
        #expect(task?["status"]?["state"] == "TASK_STATE_WORKING")
    }

    @Test func aTaskOfAnAgentThatCannotAnswerFailsAndStaysFailed() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let server = Self.server(org)
        _ = await server.respond(to: Self.send("Plan the launch"))
        var resume = try #require(try org.readJSON("agents/manager/resume.json")?.objectValue)
        resume["enabled"] = false
        try org.write("agents/manager/resume.json", .object(resume))
        let failed = await server.respond(to: Self.get(Self.firstTask))["result"]
        #expect(failed?["status"]?["state"] == "TASK_STATE_FAILED")
        #expect(failed?["status"]?["message"]?["parts"] == [["text": "manager is disabled"]])
        resume["enabled"] = true
        try org.write("agents/manager/resume.json", .object(resume))
        try await org.run(ticks: 1)
        #expect(
            await server.respond(to: Self.get(Self.firstTask))["result"]?["status"]?["state"] == "TASK_STATE_FAILED")
    }

    @Test func aCanceledTaskStaysCanceledAndTheAgentIsTold() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let server = Self.server(org)
        _ = await server.respond(to: Self.send("Plan the launch"))
        let canceled = await server.respond(to: Self.cancel(Self.firstTask))
        #expect(canceled["result"]?["status"]?["state"] == "TASK_STATE_CANCELED")
        let notice = try #require(try org.entries(of: "human").last)
        #expect(notice.kind == "cancel")
        #expect(notice.replyTo == Self.firstTask)
        #expect(notice.recipients == ["manager"])
        #expect(try org.readJSON("state/a2a-tasks.json")?["tasks"]?[Self.firstTask]?["state"] == "TASK_STATE_CANCELED")
        try await org.run(ticks: 1)
        #expect(
            await server.respond(to: Self.get(Self.firstTask))["result"]?["status"]?["state"] == "TASK_STATE_CANCELED")
        let again = await server.respond(to: Self.cancel(Self.firstTask))
        #expect(again["error"]?["code"] == -32_002)
    }

    @Test func aSendThatWaitsReturnsTheCompletedTask() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let clock = ManualClock()
        let server = Self.server(org, clock: clock)
        async let answer = server.respond(to: Self.send("Plan the launch", wait: true))
        await clock.waitForSleepers(1)
        try await org.run(ticks: 1)
        clock.advance(by: .milliseconds(100))
        let task = try #require(await answer["result"]?["task"])
        #expect(task["status"]?["state"] == "TASK_STATE_COMPLETED")
    }

    @Test func aStreamSendsTheTaskThenItsUpdatesUntilItEnds() async throws {
        let org = try Self.makeOrg()
        defer { org.remove() }
        let clock = ManualClock()
        let server = Self.server(org, clock: clock)
        let request = JSONRPCRequest(id: 5, method: "SendStreamingMessage", params: Self.send("Go").params)
        let task = try await server.startStream(request)
        #expect(task.status.state == .submitted)
        let events = EventRecorder()
        async let streamed: Void = server.follow(task, request: request) { events.append($0) }
        await clock.waitForSleepers(1)
        try await org.run(ticks: 1)
        clock.advance(by: .milliseconds(100))
        try await streamed
        let kinds = events.values.map { $0?["result"]?.objectValue?.keys.first }
        #expect(kinds == ["task", "artifactUpdate", "statusUpdate"])
        #expect(events.values.last??["result"]?["statusUpdate"]?["status"]?["state"] == "TASK_STATE_COMPLETED")
        #expect(events.values.allSatisfy { $0?["id"] == 5 })
    }

    @Test func badRequestsAreJSONRPCErrors() async throws {
        let org = try Self.makeOrg(expose: ["manager", "coder", "mute"])
        defer { org.remove() }
        let server = Self.server(org)
        let cases: [(JSONRPCRequest, Int, String)] = [
            (Self.send("Hi"), -32_602, "name the agent with metadata"),
            (Self.send("Hi", metadata: ["skill": "nobody"]), -32_602, "metadata.skill must be a skill id"),
            (Self.send("Hi", metadata: ["skill": "mute"]), -32_602, "mute does not read human"),
            (Self.send("Hi", metadata: ["skill": "manager"], extra: ["taskId": "t"]), -32_602, "task t cannot take"),
            (
                Self.send("Hi", metadata: ["skill": "manager"], extra: ["contextId": "00000009-human-01"]), -32_602,
                "no context"
            ),
            (Self.send(" ", metadata: ["skill": "manager"]), -32_602, "the message has no text"),
            (
                JSONRPCRequest(
                    id: 1, method: "SendMessage",
                    params: ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["url": "http://x/f.pdf"]]]]),
                -32_005, "only text and data parts"
            ),
            (JSONRPCRequest(id: 1, method: "SendMessage", params: [:]), -32_602, "message is required"),
            (Self.get("00000001-human-01"), -32_001, "no task"),
            (Self.get("../../etc/passwd"), -32_001, "no task"),
            (JSONRPCRequest(id: 1, method: "GetTask", params: [:]), -32_602, "id is required"),
            (Self.get("x", history: -1), -32_602, "historyLength"),
            (JSONRPCRequest(id: 1, method: "message/send", params: [:]), -32_601, "no method 'message/send'"),
            (JSONRPCRequest(id: 1, method: "ListTasks", params: [:]), -32_004, "ListTasks is not supported"),
            (JSONRPCRequest(id: 1, method: "CreateTaskPushNotificationConfig", params: [:]), -32_003, "push"),
        ]
        for (request, code, message) in cases {
            let answer = await server.respond(to: request)
            #expect(answer["error"]?["code"] == .int(code), "\(request.method) \(request.params)")
            #expect(answer["error"]?["message"]?.stringValue?.contains(message) == true, "\(answer)")
            #expect(answer["id"] == request.id)
        }
        #expect(try org.entries(of: "human").isEmpty, "a refused message wrote an entry")
    }

    @Test func anOrgThatExposesNoAgentRefusesMessages() async throws {
        let org = try Self.makeOrg(expose: [])
        defer { org.remove() }
        let answer = await Self.server(org).respond(to: Self.send("Hi"))
        #expect(answer["error"]?["code"] == -32_004)
        #expect(answer["error"]?["message"]?.stringValue?.contains("a2a.expose") == true)
        #expect(try Self.server(org).card(endpoint: "http://x/a2a", requiresKey: false).skills.isEmpty)
    }
}

/// Events a stream emitted, in order.
final class EventRecorder: Sendable {
    private let events = Mutex<[JSONValue?]>([])
    func append(_ event: JSONValue?) { events.withLock { $0.append(event) } }
    var values: [JSONValue?] { events.withLock { $0 } }
}
