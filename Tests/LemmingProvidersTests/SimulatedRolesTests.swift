import LemmingJSON
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// The role-aware simulation (``SimulatedRole``): the team of `lemming init` and `lemming demo`.
private func turn(
    _ agent: String,
    title: String = "",
    instructions: String = "",
    tick: Int = 2,
    inbox: [OutboxEntry] = [],
    readers: [String] = ["human"],
    tools: [String] = ["file_read", "file_write"],
    toolResults: [ToolResult] = [],
    memory: [String: JSONValue] = [:]
) -> (text: String, reply: ParsedReply) {
    let records = memory.keys.sorted().map { key in
        MemoryRecord(
            key: key, value: memory[key] ?? .null, updatedTick: 1, updatedAt: "2026-01-01T00:00:00.000Z",
            operation: .set)
    }
    let context = TurnContext(
        agent: agent, tick: tick, inbox: inbox, readers: readers, title: title, instructions: instructions,
        tools: tools, toolResults: toolResults, memory: records)
    let text = Simulation.reply(to: chatRequest(agent: agent, tick: tick, context: context))
    return (text, ReplyParser(limits: OrgConfig.ReplyLimits()).parse(text))
}

private let request = "Please plan and build a login page, then tell me when it is reviewed."

@Test(arguments: [
    ("manager", "Engineering manager", "", SimulatedRole.manager),
    ("planner", "Planner", "", .planner),
    ("coder", "Coder", "", .coder),
    ("reviewer", "Reviewer", "", .reviewer),
    ("alice", "Team lead", "", .manager),
    ("bob", "Senior developer", "", .coder),
    ("code-reviewer", "", "", .reviewer),
    ("carol", "Teammate", "Implement what the planner and the manager ask.", .coder),
    ("dave", "Teammate", "When the manager gives you a task, answer with a short plan.", .planner),
    ("erin", "Teammate", "Review what the coder reports as ready.", .reviewer),
    ("writer", "Technical writer", "Write the release notes.", .generic),
    ("analyst", "", "", .generic),
])
func roleComesFromNameTitleThenInstructions(name: String, title: String, instructions: String, role: SimulatedRole) {
    #expect(SimulatedRole(name: name, title: title, instructions: instructions) == role)
}

@Test func taskIsReadFromTheRequest() {
    let task = SimulatedTask(request: request)
    #expect(task.topic == "a login page")
    #expect(task.subject == "login page")
    #expect(task.file == "shared/login-page.html")
    #expect(task.content.contains("type=\"password\""))

    let named = SimulatedTask(request: "Build a login page as shared/login-page.html, then ask for a review.")
    #expect(named == task)

    let notes = SimulatedTask(request: "Write the release notes for version 2.")
    #expect(notes.topic == "the release notes")
    #expect(notes.file == "shared/release-notes.md")
    #expect(notes.content.hasPrefix("# Release notes\n"))
    #expect(SimulatedTask(request: "hello").file == "shared/hello.md")
    #expect(SimulatedTask(request: "").topic == "the work")
}

@Test func managerSplitsTheHumansRequestIntoTasksForNamedTeammates() throws {
    let message = outboxEntry("human", tick: 1, text: request)
    let (_, reply) = turn(
        "manager", title: "Engineering manager", inbox: [message],
        readers: ["coder", "human", "planner", "reviewer"])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let tasks = reply.entries.filter { $0.kind == "message" }
    #expect(tasks.map(\.recipients) == [["planner"], ["coder"], ["reviewer"]])
    #expect(tasks.allSatisfy { $0.tags == ["task"] && $0.replyTo == message.id.text })
    #expect(tasks[0].payload["text"]?.stringValue?.hasPrefix("Plan a login page") == true)
    #expect(tasks[1].payload["text"] == "Build a login page as shared/login-page.html, then ask for a review.")
    #expect(tasks[2].payload["text"]?.stringValue?.hasPrefix("Review shared/login-page.html") == true)

    let answer = try #require(reply.entries.first)
    #expect(answer.kind == "response")
    #expect(answer.recipients == ["human"])
    #expect(
        answer.payload["text"]
            == "Taking on a login page: planner plans it, coder builds shared/login-page.html, reviewer reviews it. I will tell you when it is reviewed."
    )

    let plan = try #require(reply.memoryUpdates.first)
    #expect(plan.key == "plan")
    #expect(
        plan.value["tasks"] == [
            "planner": "plans it", "coder": "builds shared/login-page.html", "reviewer": "reviews it",
        ])
    #expect(plan.operation == .set)
    #expect(plan.value["request"] == .string(message.id.text))
    #expect(plan.value["file"] == "shared/login-page.html")
    #expect(plan.value["status"] == "in progress")
}

@Test func managerReportsAReviewToTheHumanAndClosesThePlan() throws {
    let review = OutboxEntry(
        id: EntryID(tick: 5, agent: "reviewer", sequence: 1), kind: "response",
        payload: ["text": "Reviewed shared/login-page.html (19 lines). Acceptable. Suggestion: add a link."],
        tags: ["review", "acceptable"], createdAt: "2026-01-01T00:00:00.000Z")
    let plan: JSONValue = [
        "request": "00000001-human-01", "topic": "a login page", "file": "shared/login-page.html",
        "status": "in progress",
    ]
    let (_, reply) = turn("manager", tick: 6, inbox: [review], memory: ["plan": plan])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let report = try #require(reply.entries.first)
    #expect(report.kind == "report")
    #expect(report.recipients == ["human"])
    #expect(report.replyTo == "00000001-human-01")
    #expect(
        report.payload["text"]
            == "Done: a login page, in shared/login-page.html; reviewer found it acceptable. Next: add a link.")
    #expect(reply.memoryUpdates == [MemoryUpdate(key: "plan", operation: .merge, value: ["status": "done, reviewed"])])

    // Without a plan the review is only read.
    let (_, alone) = turn("manager", tick: 6, inbox: [review])
    #expect(alone.entries.isEmpty)
}

@Test func managerAnswersAQuestionOfTheHumanFromMemory() throws {
    let question = outboxEntry("human", tick: 4, text: "How is it going?")
    let plan: JSONValue = ["topic": "a login page", "file": "shared/login-page.html", "status": "in progress"]
    let (_, reply) = turn("manager", tick: 4, inbox: [question], memory: ["plan": plan])
    #expect(reply.entries.count == 1)
    #expect(reply.entries.first?.recipients == ["human"])
    #expect(
        reply.entries.first?.payload["text"] == "A login page: in progress, in shared/login-page.html.")
    #expect(reply.memoryUpdates.isEmpty)

    let (_, idle) = turn("manager", tick: 4, inbox: [question])
    #expect(idle.entries.first?.payload["text"]?.stringValue?.hasPrefix("Nothing is in progress.") == true)

    // A message that asks for nothing is acknowledged, not handed out.
    let hello = outboxEntry("human", tick: 4, text: "Hi from chat")
    let (_, greeting) = turn("manager", tick: 4, inbox: [hello], readers: ["coder", "human"])
    #expect(greeting.entries.map(\.kind) == ["response"])
    #expect(greeting.memoryUpdates.isEmpty)
}

@Test func plannerAnswersATaskWithAPlanForItsAuthorAndTheCoders() throws {
    let task = outboxEntry("manager", tick: 1, text: "Plan a login page: the steps, and what to build first.")
    let (_, reply) = turn("planner", inbox: [task], readers: ["coder", "human", "manager"])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let plan = try #require(reply.entries.first)
    #expect(plan.kind == "response")
    #expect(plan.recipients == ["manager", "coder"])
    #expect(plan.replyTo == task.id.text)
    #expect(
        plan.payload["text"]?.stringValue?.hasPrefix("Plan for a login page (shared/login-page.html): 1. Markup")
            == true)
    #expect(reply.memoryUpdates.map(\.key) == ["plan"])
    #expect(reply.memoryUpdates.first?.value["steps"]?.arrayValue?.count == 3)
}

@Test func coderWritesTheFileWithFileWriteAndRemembersTheTask() throws {
    let task = outboxEntry(
        "manager", tick: 1, text: "Build a login page as shared/login-page.html, then ask for a review.")
    let (_, reply) = turn("coder", inbox: [task], readers: ["manager", "planner", "reviewer"])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let call = try #require(reply.toolCalls.first)
    #expect(call.tool == "file_write")
    #expect(call.arguments["path"] == "shared/login-page.html")
    #expect(call.arguments["content"]?.stringValue?.contains("<form method=\"post\"") == true)
    #expect(reply.memoryUpdates.first?.key == "task")
    #expect(reply.memoryUpdates.first?.value["request"] == .string(task.id.text))
    #expect(reply.entries.map(\.recipients) == [["manager"]])
    #expect(reply.entries.first?.payload["text"] == "On it: writing shared/login-page.html.")

    // Without file_write it answers with an outline instead.
    let (_, without) = turn("coder", inbox: [task], tools: [])
    #expect(without.toolCalls.isEmpty)
    #expect(without.entries.first?.payload["text"]?.stringValue?.hasPrefix("I cannot write files") == true)
}

@Test func coderAsksTheReviewersOnceTheWriteSucceeded() throws {
    let memory: [String: JSONValue] = [
        "task": [
            "topic": "a login page", "file": "shared/login-page.html", "from": "manager",
            "request": "00000001-manager-01", "status": "writing",
        ]
    ]
    let waiting = ToolResult.failure(
        "file_write", "waiting for the human's approval (request 00000002-coder-02); the result comes in a later turn")
    let (_, held) = turn("coder", tick: 3, readers: ["manager", "reviewer"], toolResults: [waiting], memory: memory)
    #expect(held.entries.isEmpty)
    #expect(held.notes == "waiting for the human to approve writing shared/login-page.html")

    let written = ToolResult.success("file_write", "wrote 612 bytes to shared/login-page.html (now 612 bytes)")
    let (_, reply) = turn(
        "coder", tick: 3, readers: ["manager", "reviewer"], toolResults: [waiting, written], memory: memory)
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let ask = try #require(reply.entries.first)
    #expect(ask.kind == "request")
    #expect(ask.recipients == ["reviewer"])
    #expect(ask.replyTo == "00000001-manager-01")
    #expect(ask.payload["text"] == "Please review shared/login-page.html (a login page).")
    #expect(reply.memoryUpdates == [MemoryUpdate(key: "task", operation: .merge, value: ["status": "in review"])])

    let (_, failed) = turn(
        "coder", tick: 3, readers: ["manager"], toolResults: [.failure("file_write", "disk full")], memory: memory)
    #expect(failed.entries.first?.kind == "report")
    #expect(failed.entries.first?.recipients == ["manager"])
    #expect(failed.entries.first?.payload["text"] == "I could not write shared/login-page.html: disk full.")
}

@Test func reviewerReadsTheFileThenAnswersWithAReview() throws {
    let ask = OutboxEntry(
        id: EntryID(tick: 3, agent: "coder", sequence: 1), kind: "request",
        payload: ["text": "Please review shared/login-page.html (a login page)."], recipients: ["reviewer"],
        createdAt: "2026-01-01T00:00:00.000Z")
    let (_, reading) = turn("reviewer", tick: 4, inbox: [ask], readers: ["coder", "manager"])
    #expect(reading.violations.isEmpty, "\(reading.violations)")
    #expect(reading.entries.isEmpty)
    #expect(reading.toolCalls == [ToolCall(tool: "file_read", arguments: ["path": "shared/login-page.html"])])
    let reviewing = try #require(reading.memoryUpdates.first)
    #expect(reviewing.key == "reviewing")

    let content = SimulatedTask(request: request).content
    let (_, reply) = turn(
        "reviewer", tick: 5, readers: ["coder", "manager"], toolResults: [.success("file_read", content)],
        memory: ["reviewing": reviewing.value])
    #expect(reply.violations.isEmpty, "\(reply.violations)")
    let review = try #require(reply.entries.first)
    #expect(review.kind == "response")
    #expect(review.recipients == ["coder", "manager"])
    #expect(review.replyTo == ask.id.text)
    #expect(review.tags == ["review", "acceptable"])
    #expect(
        review.payload["text"]
            == """
            Reviewed shared/login-page.html (19 lines): a title, every field labelled, password autocomplete, \
            a POST form. Acceptable. Suggestion: add a “Forgot password?” link.
            """)
    #expect(reply.memoryUpdates.map(\.key) == ["reviewing", "reviews"])
    #expect(reply.memoryUpdates.last?.value == "shared/login-page.html: acceptable")
}

@Test func reviewerAcknowledgesATaskForLaterAndFlagsProblems() throws {
    let task = outboxEntry("manager", tick: 1, text: "Review shared/login-page.html when it is ready.")
    let (_, ack) = turn("reviewer", inbox: [task])
    #expect(ack.toolCalls.isEmpty)
    #expect(ack.entries.first?.payload["text"] == "Will do: I will review shared/login-page.html when it is ready.")

    let bad = SimulatedReview(file: "shared/x.html", content: "<html><input id=\"a\" type=\"password\"></html>")
    #expect(!bad.isAcceptable)
    #expect(bad.problems == ["no <title>", "1 field(s) without a label", "no autocomplete on the password"])
    #expect(bad.text.contains("Changes needed: no <title>;"))
    #expect(!SimulatedReview(file: "shared/x.md", content: "").isAcceptable)
}

@Test func unknownRolesKeepTheGenericBehaviour() {
    let message = outboxEntry("manager", tick: 3, text: "Plan the release")
    let (_, reply) = turn("writer", title: "Technical writer", inbox: [message], readers: ["human", "editor"])
    #expect(reply.entries.map(\.kind) == ["response", "request"])
    #expect(reply.entries.last?.meta["hops"] == 1)
}

@Test func theSameTurnGivesTheSameReply() {
    let message = outboxEntry("human", tick: 1, text: request)
    let first = turn("manager", inbox: [message], readers: ["coder", "human", "planner", "reviewer"]).text
    for _ in 0..<3 {
        #expect(turn("manager", inbox: [message], readers: ["coder", "human", "planner", "reviewer"]).text == first)
    }
}
