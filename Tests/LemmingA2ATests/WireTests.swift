import LemmingJSON
import Testing

@testable import LemmingA2A

/// The wire types against the protobuf-JSON shapes of A2A v1.0 (`a2a.proto`, as `a2a-sdk` 1.3.0
/// writes them).
@Suite struct WireTests {
    @Test(arguments: [
        (TaskState.submitted, "TASK_STATE_SUBMITTED", false), (.working, "TASK_STATE_WORKING", false),
        (.completed, "TASK_STATE_COMPLETED", true), (.failed, "TASK_STATE_FAILED", true),
        (.canceled, "TASK_STATE_CANCELED", true), (.rejected, "TASK_STATE_REJECTED", true),
        (.inputRequired, "TASK_STATE_INPUT_REQUIRED", false), (.authRequired, "TASK_STATE_AUTH_REQUIRED", false),
    ])
    func taskStatesAreSpelledAsVersionOneSpellsThem(state: TaskState, wire: String, terminal: Bool) {
        #expect(state.rawValue == wire)
        #expect(state.isTerminal == terminal)
    }

    @Test func aTaskRoundTripsInProtobufJSON() throws {
        let json: JSONValue = [
            "id": "00000001-human-01", "contextId": "00000001-human-01",
            "status": [
                "state": "TASK_STATE_COMPLETED", "timestamp": "2026-01-01T00:00:00.000Z",
                "message": [
                    "messageId": "00000002-manager-01", "role": "ROLE_AGENT", "parts": [["text": "Done"]],
                    "contextId": "00000001-human-01", "taskId": "00000001-human-01",
                ],
            ],
            "artifacts": [["artifactId": "00000002-manager-01", "name": "answer", "parts": [["text": "Done"]]]],
            "history": [["messageId": "m1", "role": "ROLE_USER", "parts": [["text": "Go"], ["data": ["n": 1]]]]],
        ]
        let task = try #require(A2ATask(json: json))
        #expect(task.status.state == .completed)
        #expect(task.status.message?.parts.text == "Done")
        #expect(task.history.first?.parts.text == "Go\n\n{\"n\":1}")
        #expect(task.json == json)
        #expect(task.limitingHistory(to: 0).history.isEmpty)
    }

    @Test func aMessageWithoutWhatItNeedsIsInvalidParams() {
        let cases: [(JSONValue, String)] = [
            ("text", "message must be an object"),
            (["role": "ROLE_USER", "parts": [["text": "x"]]], "message.messageId is required"),
            (
                ["messageId": "m", "role": "USER", "parts": [["text": "x"]]],
                "message.role must be ROLE_USER or ROLE_AGENT"
            ),
            (["messageId": "m", "role": "ROLE_USER", "parts": []], "message.parts must list at least one part"),
            (["messageId": "m", "role": "ROLE_USER", "parts": [["mediaType": "x"]]], "message.parts[0] must hold"),
        ]
        for (json, message) in cases {
            #expect(throws: JSONRPCError.self) { try A2AMessage(json: json) }
            do {
                _ = try A2AMessage(json: json)
            } catch {
                #expect(error.code == .invalidParams)
                #expect(error.message.hasPrefix(message))
            }
        }
    }

    @Test func streamEventsAreReadByTheirMember() throws {
        let status: JSONValue = [
            "statusUpdate": ["taskId": "t", "contextId": "c", "status": ["state": "TASK_STATE_WORKING"]]
        ]
        #expect(
            StreamResponse(json: status)
                == .statusUpdate(taskID: "t", contextID: "c", status: TaskStatus(state: .working)))
        let artifact = StreamResponse.artifactUpdate(
            taskID: "t", contextID: "c", artifact: Artifact(artifactID: "a", parts: [.text("x")]))
        #expect(StreamResponse(json: artifact.json) == artifact)
        #expect(artifact.json["artifactUpdate"]?["lastChunk"] == true)
        #expect(StreamResponse(json: ["other": 1]) == nil)
    }

    @Test func theCardHasTheVersionOneShape() throws {
        var card = AgentCard(
            name: "org", description: "An org", version: "1.2.3",
            supportedInterfaces: [AgentCard.Interface(url: "http://127.0.0.1:7777/a2a")], streaming: true,
            skills: [AgentCard.Skill(id: "manager", name: "Manager", description: "Runs the team")])
        card.securitySchemes = ["bearer": ["httpAuthSecurityScheme": ["scheme": "bearer"]]]
        card.securityRequirements = [["bearer"]]
        let json = card.json
        #expect(
            json["supportedInterfaces"] == [
                ["url": "http://127.0.0.1:7777/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"]
            ])
        #expect(json["capabilities"]?["streaming"] == true)
        #expect(json["securityRequirements"] == [["schemes": ["bearer": ["list": []]]]])
        let read = try AgentCard(json: json)
        #expect(read.jsonRPCInterface?.url == "http://127.0.0.1:7777/a2a")
        #expect(read.skills == card.skills)
        #expect(read.streaming)
        #expect(throws: A2AClientError.self) { try AgentCard(json: ["name": "no interfaces"]) }
    }

    @Test(arguments: [
        ("not json", -32_700, JSONValue.null), ("[1]", -32_600, .null),
        (#"{"jsonrpc": "1.0", "id": 7, "method": "GetTask"}"#, -32_600, 7),
        (#"{"jsonrpc": "2.0", "id": "a", "params": {}}"#, -32_600, "a"),
        (#"{"jsonrpc": "2.0", "id": true, "method": "GetTask"}"#, -32_600, .null),
        (#"{"jsonrpc": "2.0", "id": 3, "method": "GetTask", "params": [1]}"#, -32_602, 3),
    ])
    func badRequestsAreTheirJSONRPCErrors(body: String, code: Int, id: JSONValue) {
        guard case .failure(let failure) = JSONRPCRequest.read(Array(body.utf8)) else {
            Issue.record("\(body) was read")
            return
        }
        #expect(failure.error.code.rawValue == code)
        #expect(failure.id == id)
        #expect(failure.error.response(id: failure.id)["error"]?["code"] == .int(code))
    }

    @Test func aRequestIsRead() throws {
        let body = #"{"jsonrpc": "2.0", "id": "1", "method": "GetTask", "params": {"id": "x"}}"#
        let request = try JSONRPCRequest.read(Array(body.utf8)).get()
        #expect(request == JSONRPCRequest(id: "1", method: "GetTask", params: ["id": "x"]))
        #expect(request.result(true) == ["jsonrpc": "2.0", "id": "1", "result": true])
    }

    @Test func theCardURLOfABaseURLIsWellKnown() {
        #expect(A2AClient.cardURL(for: "http://h:1/agent") == "http://h:1/agent/.well-known/agent-card.json")
        #expect(A2AClient.cardURL(for: "http://h:1/") == "http://h:1/.well-known/agent-card.json")
        #expect(A2AClient.cardURL(for: "http://h:1/card.json") == "http://h:1/card.json")
    }
}
