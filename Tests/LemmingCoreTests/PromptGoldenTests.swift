import Foundation
import LemmingJSON
import Testing

@testable import LemmingCore

// The exact system and user messages PromptBuilder renders for a two-agent org, compared with the
// files in Golden/. A change to a prompt shows up as a diff of those files, reviewed like code.
// Regenerate them on purpose: LEMMING_UPDATE_GOLDEN=1 swift test --filter PromptGoldenTests

private let goldenDirectory =
    String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast()
    .joined(separator: "/") + "/Golden"

/// Compares `text` with `Golden/<name>`, or writes it there when `LEMMING_UPDATE_GOLDEN=1`.
private func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = goldenDirectory + "/" + name
    if ProcessInfo.processInfo.environment["LEMMING_UPDATE_GOLDEN"] == "1" {
        try FileSystem.writeAtomically(Array(text.utf8), to: path)
        return
    }
    guard let bytes = try FileSystem.readIfPresent(path) else {
        Issue.record(
            Comment(rawValue: "no golden file \(name); create it with LEMMING_UPDATE_GOLDEN=1"),
            sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: bytes, as: UTF8.self)
    guard text != expected else { return }
    let actualLines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line =
        (0..<min(actualLines.count, expectedLines.count)).first { actualLines[$0] != expectedLines[$0] }
        ?? min(actualLines.count, expectedLines.count)
    let got = line < actualLines.count ? String(actualLines[line]) : "(end)"
    let wanted = line < expectedLines.count ? String(expectedLines[line]) : "(end)"
    let message =
        "\(name) differs at line \(line + 1):\n  got:      \(got)\n  expected: \(wanted)\n"
        + "(if the change is meant, regenerate with LEMMING_UPDATE_GOLDEN=1)"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}

private func resume(_ document: JSONObject) throws -> Resume {
    let name = document["name"]?.stringValue ?? ""
    let validator = ResumeValidator(
        context: .init(
            folderName: name, modelKeys: ["sim"], knownTools: ["file_read", "file_write", "memory_write"],
            knownAgents: ["manager", "coder"]))
    return try #require(validator.validate(document, file: "agents/\(name)/resume.json").resume)
}

private let managerResume: JSONObject = [
    "name": "manager", "title": "Engineering manager",
    "short_description": "Turns the human's requests into tasks for the team and reports back.",
    "instructions": "Break the human's requests into tasks for the coder. Answer the human in short.",
    "workflow_description": "Reads the human and the coder; the coder reads the manager.",
    "model": ["key": "sim"],
    "permissions": ["read_outboxes": ["human", "coder"], "tools": ["file_read", "memory_write"]],
    "schedule": ["run_every_n_ticks": 1],
]

private let coderResume: JSONObject = [
    "name": "coder", "title": "Coder", "short_description": "Implements what the manager asks.",
    "instructions": "Implement the tasks the manager gives you and report when done.",
    "model": ["key": "sim", "max_tokens": 256], "permissions": ["read_outboxes": ["manager"]],
    "schedule": ["run_every_n_ticks": 2, "phase_offset": 1],
]

private func entry(
    _ tick: Int, _ author: String, _ sequence: Int, _ kind: String, _ text: String, priority: Priority = .normal,
    to recipients: [String]? = nil, replyTo: String? = nil, thread: String? = nil
) -> OutboxEntry {
    OutboxEntry(
        id: EntryID(tick: tick, agent: author, sequence: sequence), kind: kind, payload: ["text": .string(text)],
        recipients: recipients, priority: priority, replyTo: replyTo, thread: thread,
        createdAt: "2026-01-01T00:00:00.000Z")
}

private func managerInput() throws -> PromptBuilder.Input {
    let inbox = Inbox(
        entries: [
            entry(6, "human", 1, "message", "The login page must ship on Friday. Where are we?", priority: .urgent),
            entry(
                5, "coder", 1, "response", "The form is done; validation is next.", to: ["manager"],
                replyTo: "00000004-manager-01", thread: "00000003-human-01"),
            entry(6, "coder", 1, "report", String(repeating: "Test log line. ", count: 8)),
            entry(6, "coder", 2, "status", "Idle until the next task.", priority: .low),
        ],
        truncated: [EntryID(tick: 6, agent: "coder", sequence: 1)], cursors: [:], waiting: 2, unreadable: [])
    return PromptBuilder.Input(
        orgName: "acme", resume: try resume(managerResume), tick: 7, canRead: ["coder", "human"],
        readers: ["coder", "human"],
        memory: [
            MemoryRecord(
                key: "plan", value: "1. form 2. validation 3. review", updatedTick: 6,
                updatedAt: "2026-01-01T00:00:00.000Z", operation: .set),
            MemoryRecord(
                key: "tasks", value: ["form", "validation"], updatedTick: 5, updatedAt: "2026-01-01T00:00:00.000Z",
                operation: .append),
            MemoryRecord(
                key: "settings", value: ["deadline": "friday", "reviewers": 1], updatedTick: 2,
                updatedAt: "2026-01-01T00:00:00.000Z", operation: .merge),
        ],
        memoryCharacters: 8_000,
        toolResults: [
            .success("file_read", "# Login page\nFields: email, password."),
            .failure("memory_write", "value is 20000 bytes; the limit is 16384"),
            .success("file_read", String(repeating: "x", count: 40), truncated: true),
        ],
        tools: [
            ToolDescription(
                name: "file_read", summary: "Reads a file of your workspace or shared/.",
                argumentSchema: ["type": "object", "properties": ["path": ["type": "string"]], "required": ["path"]]),
            ToolDescription(
                name: "memory_write", summary: "Writes a memory key.",
                argumentSchema: [
                    "type": "object", "properties": ["key": ["type": "string"], "value": [:]], "required": ["key"],
                ], requiresApproval: true),
        ],
        inbox: inbox,
        previousProblems: ReplyProblems(
            tick: 6,
            violations: [
                ContractViolation("json_repaired", "not strict JSON; read after repairing trailing commas"),
                ContractViolation(
                    "invalid_tool_call", field: "tool_calls[0].args",
                    "file_write: must be an object (got an array); call not run"),
                ContractViolation(
                    "args_shape", field: "tool_calls[1].args", "was a JSON string; decoded (write the object itself)"),
                ContractViolation(
                    "invalid_recipients", field: "outbox_entries[1].to", "'Coder' is not an agent name; entry dropped"),
            ]))
}

private func coderInput() throws -> PromptBuilder.Input {
    PromptBuilder.Input(
        orgName: "acme", resume: try resume(coderResume), tick: 9, canRead: ["manager"], readers: ["human", "manager"],
        memory: [], memoryCharacters: 8_000, toolResults: [], tools: [], inbox: .empty,
        previousProblems: ReplyProblems(
            tick: 7,
            notice: "Your last reply was cut off at the token limit (max_tokens 256) before it was complete, so none "
                + "of it was applied. Answer again, shorter: fewer and shorter entries, no preamble, only the JSON "
                + "object.",
            violations: []))
}

@Test func theManagersPromptMatchesItsGoldenFiles() throws {
    let messages = PromptBuilder().messages(for: try managerInput())
    #expect(messages.map(\.role) == [.system, .user])
    try expectGolden(messages[0].content, "manager.system.txt")
    try expectGolden(messages[1].content, "manager.user.txt")
}

@Test func theCodersPromptMatchesItsGoldenFiles() throws {
    let messages = PromptBuilder().messages(for: try coderInput())
    try expectGolden(messages[0].content, "coder.system.txt")
    try expectGolden(messages[1].content, "coder.user.txt")
}

@Test func aPromptWithoutProblemsHasNoProblemsSection() throws {
    var input = try managerInput()
    let withProblems = PromptBuilder().userMessage(input).text
    input.previousProblems = ReplyProblems(tick: 6, violations: [])
    let without = PromptBuilder().userMessage(input).text
    #expect(withProblems.contains("## Problems with your last reply (tick 6)"))
    #expect(!without.contains("## Problems"))
    input.previousProblems = nil
    #expect(PromptBuilder().userMessage(input).text == without)
}

// Prompt caching (issue 16): what changes least comes first, and the breakpoints mark it.

/// The text of message `index` up to `offset` UTF-8 bytes.
private func prefix(_ prompt: PromptBuilder.Prompt, _ breakpoint: PromptBreakpoint) -> String {
    String(decoding: Array(prompt.messages[breakpoint.message].content.utf8).prefix(breakpoint.offset), as: UTF8.self)
}

@Test func thePromptMarksTheEndOfTheSystemMessageTheToolsAndTheMemory() throws {
    let prompt = PromptBuilder().prompt(for: try managerInput())
    #expect(prompt.breakpoints.map(\.stability) == [.agent, .agent, .memory])
    #expect(prompt.breakpoints.map(\.message) == [0, 1, 1])
    #expect(prefix(prompt, prompt.breakpoints[0]) == prompt.messages[0].content)
    let tools = prefix(prompt, prompt.breakpoints[1])
    #expect(tools.hasPrefix("## Tools you may call\n- file_read"))
    #expect(
        tools.hasSuffix(
            "(runs only once the human approves) Arguments: "
                + "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},\"value\":{}},\"required\":[\"key\"]}\n\n"
        ))
    let memory = prefix(prompt, prompt.breakpoints[2])
    #expect(memory.hasPrefix(tools))
    #expect(memory.dropFirst(tools.count).hasPrefix("## Memory (3 keys"))
    #expect(memory.hasSuffix("\n\n"))
    // What changes every turn comes after: the tick first.
    #expect(prompt.messages[1].content.dropFirst(memory.count).hasPrefix("## This turn\nTick 7.\n\n## Problems"))
}

@Test func anUnchangedAgentsStablePrefixIsTheSameOnTheNextTurn() throws {
    var input = try managerInput()
    let first = PromptBuilder().prompt(for: input)
    // A later turn: another tick, other messages, other tool results, no problems; same memory.
    input.tick = 12
    input.inbox = Inbox(
        entries: [entry(11, "human", 1, "message", "Any news?")], truncated: [], cursors: [:], waiting: 0,
        unreadable: [])
    input.toolResults = []
    input.previousProblems = nil
    let second = PromptBuilder().prompt(for: input)
    #expect(second.breakpoints == first.breakpoints)
    for breakpoint in first.breakpoints {
        #expect(Array(prefix(second, breakpoint).utf8) == Array(prefix(first, breakpoint).utf8))
    }
    #expect(second.messages[1].content != first.messages[1].content)
    // A memory change keeps the agent's prefix and moves only the memory's end.
    input.memory.removeFirst()
    let third = PromptBuilder().prompt(for: input)
    #expect(prefix(third, third.breakpoints[1]) == prefix(first, first.breakpoints[1]))
    #expect(prefix(third, third.breakpoints[2]) != prefix(first, first.breakpoints[2]))
}

@Test func aRequestsPiecesPutTogetherAreItsMessages() throws {
    let prompt = PromptBuilder().prompt(for: try managerInput())
    let request = ChatRequest(
        agent: "manager", tick: 7, modelKey: "sim", model: "sim", messages: prompt.messages,
        cacheBreakpoints: prompt.breakpoints, temperature: 0.2, maxTokens: 100)
    for index in request.messages.indices {
        let pieces = request.pieces(ofMessage: index)
        #expect(pieces.map(\.text).joined() == request.messages[index].content)
        #expect(pieces.compactMap(\.breakpoint) == prompt.breakpoints.filter { $0.message == index })
    }
    #expect(request.pieces(ofMessage: 1).count == 3)
    let prefixBytes = prompt.messages[0].content.utf8.count + prompt.breakpoints[2].offset
    #expect(abs(request.cacheablePrefixTokens - prefixBytes / 4) <= 10)
}
