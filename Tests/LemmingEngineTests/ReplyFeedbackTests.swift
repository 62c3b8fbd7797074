import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// What went wrong with a reply reaches the agent's next prompt (issue 11 item 9), and loops with
/// varied wording are caught through the engine (item 11).
@Suite(.timeLimit(.minutes(1)))
struct ReplyFeedbackTests {
    static func userMessage(_ record: JSONValue) -> String {
        record["request"]?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
    }

    @Test func theNextPromptSaysWhatWasWrongWithTheLastReplyAndThenNoMore() async throws {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a", reads: ["human"])],
            replies: [
                ScriptLine(
                    "a", tick: 1,
                    [
                        "outbox_entries": [["kind": "message", "payload": ["text": "hello"], "to": "nobody here"]],
                        "tool_calls": [["tool": "file_write", "args": "not an object"]],
                    ]),
                .message("a", tick: 2, "fine now"), .message("a", tick: 3, "still fine"),
            ])
        defer { org.remove() }
        try await org.run(ticks: 3)
        let records = try org.turnRecords(of: "a")
        #expect(Self.userMessage(records[0]).contains("## Problems with your last reply") == false)
        let second = Self.userMessage(records[1])
        #expect(second.contains("## Problems with your last reply (tick 1)"))
        let violations = records[0]["violations"]?.arrayValue ?? []
        #expect(violations.count == 2)
        for violation in violations {
            let field = violation["field"]?.stringValue ?? "?"
            let message = violation["message"]?.stringValue ?? "?"
            #expect(second.contains("- \(field): \(message)"))
        }
        #expect(Self.userMessage(records[2]).contains("## Problems with your last reply") == false)
    }

    @Test func twoAgentsTradingRotatingThanksArePausedWithTheEvidence() async throws {
        let alice = ["Thank you so much, Bob!", "Many thanks for everything, Bob.", "Really appreciate it, Bob!"]
        let bob = ["My pleasure!", "You're very welcome, Alice.", "Anytime, glad to help!"]
        var lines: [ScriptLine] = []
        for tick in 1...12 {
            lines.append(.message("alice", tick: tick, alice[(tick - 1) % 3], to: ["bob"]))
            lines.append(.message("bob", tick: tick, bob[(tick - 1) % 3], to: ["alice"]))
        }
        let org = try TemporaryOrg.make(
            agents: [TestAgent("alice", reads: ["bob", "human"]), TestAgent("bob", reads: ["alice"])],
            replies: lines)
        defer { org.remove() }
        try await send(org, to: ["alice"], "Thanks both, the task is done.")
        let reports = try await org.run(ticks: 12)
        let paused = reports.firstIndex { $0.skipped["alice"] == .loopDetected && $0.skipped["bob"] == .loopDetected }
        #expect(paused.map { $0 + 1 } ?? 99 <= 9)
        for (agent, partner) in [("alice", "bob"), ("bob", "alice")] {
            let status = try #require(try org.entries(of: agent).first { $0.kind == "status" })
            #expect(status.recipients == ["human"])
            #expect(status.meta["code"] == "loop_detected")
            #expect(status.meta["loop"]?["partners"] == .strings([partner]))
            #expect(status.text.contains("without new information"))
            #expect(status.text.contains("lemming resume \(agent)"))
        }
    }
}
