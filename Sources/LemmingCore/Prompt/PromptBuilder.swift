import LemmingJSON

/// Renders the chat messages of a turn (DESIGN §5.4), laid out for prompt caching: what changes
/// least comes first, so that a provider caching prompt prefixes can reuse the longest one.
///
/// The system message (the engine's contract and the agent's role) depends only on the resume and
/// the org graph, so it stays byte-identical across turns. The user message starts with what is
/// stable per agent, the tools it may call, then its memory (which changes when the agent changes
/// it), then what changes every turn: the tick (under its own heading, "## This turn", so that a
/// reader splitting the prompt at its headings does not count it as memory), the problems with the
/// last reply (only when there are any), tool results (only when there are any), new messages. ``prompt(for:)`` marks where
/// each stable prefix ends (``PromptBreakpoint``): after the system message and after the tools
/// (``PromptBreakpoint/Stability/agent``), after the memory (`memory`). The exact text of both
/// messages is pinned by golden files (`Tests/LemmingCoreTests/Golden/`).
public struct PromptBuilder: Sendable {
    /// What a turn's prompt is made of.
    public struct Input: Sendable {
        /// The org's name (`lemming.json` `name`).
        public var orgName: String
        /// The agent's resume: its role, instructions and permissions.
        public var resume: Resume
        /// The tick of the turn.
        public var tick: Int
        /// Agents this agent reads, sorted.
        public var canRead: [String]
        /// Agents that read this agent (`human` included), sorted.
        public var readers: [String]
        /// The agent's memory records, most recently updated first.
        public var memory: [MemoryRecord]
        /// The most characters of memory shown (`memory.prompt_characters`); the rest is left out.
        public var memoryCharacters: Int
        /// The results of the previous turn's tool calls.
        public var toolResults: [ToolResult]
        /// The tools the agent may call, with their argument schemas.
        public var tools: [ToolDescription]
        /// Tools the agent may call that cannot be used now (an MCP server that is down): the
        /// permission's name or wildcard, and why; listed after the tools.
        public var unavailableTools: [(pattern: String, reason: String)] = []
        /// The new entries the turn is shown.
        public var inbox: Inbox
        /// The system message when already rendered (it only changes with the resume and the graph).
        public var systemMessage: String?
        /// What went wrong with the agent's last reply, rendered as its own section right after the
        /// tick; `nil` or empty: no section.
        public var previousProblems: ReplyProblems?

        /// The input of a turn; the system message is rendered from it unless ``systemMessage`` is set.
        public init(
            orgName: String, resume: Resume, tick: Int, canRead: [String], readers: [String], memory: [MemoryRecord],
            memoryCharacters: Int, toolResults: [ToolResult], tools: [ToolDescription], inbox: Inbox,
            previousProblems: ReplyProblems? = nil
        ) {
            self.orgName = orgName
            self.resume = resume
            self.tick = tick
            self.canRead = canRead
            self.readers = readers
            self.memory = memory
            self.memoryCharacters = memoryCharacters
            self.toolResults = toolResults
            self.tools = tools
            self.inbox = inbox
            self.previousProblems = previousProblems
        }
    }

    /// A turn's messages and where their stable prefixes end.
    public struct Prompt: Sendable, Equatable {
        /// The system message, then the user message.
        public var messages: [ChatMessage]
        /// In order: the end of the system message and of the tools (`agent`), of the memory
        /// (`memory`).
        public var breakpoints: [PromptBreakpoint]
    }

    /// A builder (it holds no state).
    public init() {}

    /// The messages of a turn (system, user), without breakpoints.
    public func messages(for input: Input) -> [ChatMessage] {
        prompt(for: input).messages
    }

    /// The messages of a turn (system, user) with their cache breakpoints.
    public func prompt(for input: Input) -> Prompt {
        let system = input.systemMessage ?? systemMessage(input)
        let (user, toolsEnd, memoryEnd) = userMessage(input)
        return Prompt(
            messages: [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: user)],
            breakpoints: [
                PromptBreakpoint(message: 0, offset: system.utf8.count, stability: .agent),
                PromptBreakpoint(message: 1, offset: toolsEnd, stability: .agent),
                PromptBreakpoint(message: 1, offset: memoryEnd, stability: .memory),
            ])
    }

    static let replyShape = """
        {
          "outbox_entries": [{"kind": "message", "payload": {"text": "..."}, "to": ["agent_name"], \
        "priority": "normal", "reply_to": "<entry id>", "tags": []}],
          "tool_calls": [{"tool": "tool_name", "args": {}}],
          "memory_updates": [{"key": "plan", "op": "set", "value": "..."}],
          "notes": "one line for your activity log"
        }
        """

    private func list(_ names: [String]) -> String {
        names.isEmpty ? "nobody" : names.joined(separator: ", ")
    }

    func systemMessage(_ input: Input) -> String {
        let resume = input.resume
        let every = resume.schedule.runEveryNTicks == 1 ? "every tick" : "every \(resume.schedule.runEveryNTicks) ticks"
        var text = """
            You are \(resume.name), "\(resume.title)", an agent of the LeMMing organisation "\(input.orgName)".
            \(resume.shortDescription)

            # How this organisation works
            - Time advances in ticks. You run \(every). Each turn you see what is new since your last turn.
            - You never write to another agent. You publish entries to your own outbox; agents allowed to read \
            your outbox see them on their next turn.
            - You read: \(list(input.canRead)). Your outbox is read by: \(list(input.readers)). \
            "human" is the person running the organisation.
            - An entry with "to" reaches only the agents named there, and only those who read you. Without "to" it \
            reaches everyone who reads you.
            - Answer with exactly one JSON object, no other text:
            \(Self.replyShape)
            - Every field is optional. kind is one word: message, request, response, report or status. priority is \
            urgent, normal or low. reply_to is the id of the entry you answer. Memory operations: set (replace), \
            append (add to a list), merge (merge into an object), delete. Memory keys use letters, digits, _ and -.
            - When there is nothing to do, answer {"notes": "idle"}.

            # Your role
            \(resume.instructions)
            """
        if !resume.workflowDescription.isEmpty {
            text += "\n\n# How you work with others\n" + resume.workflowDescription
        }
        return text
    }

    /// The user message, and the UTF-8 offsets where its tools and its memory end (each with the
    /// blank line after it).
    func userMessage(_ input: Input) -> (text: String, toolsEnd: Int, memoryEnd: Int) {
        let separator = "\n\n"
        let tools = toolsSection(input) + separator
        let memory = memorySection(input) + separator
        var sections: [String] = ["## This turn\nTick \(input.tick)."]
        if let problems = input.previousProblems, !problems.isEmpty { sections.append(problemsSection(problems)) }
        if !input.toolResults.isEmpty {
            var lines = ["## Results of your tool calls last turn"]
            for result in input.toolResults {
                if result.isSuccess {
                    lines.append("- \(result.tool): ok\(result.isTruncated ? " (output truncated)" : "")")
                    if !result.output.isEmpty { lines.append(result.output) }
                } else {
                    lines.append("- \(result.tool): failed: \(result.error ?? "unknown error")")
                    if !result.output.isEmpty { lines.append(result.output) }
                }
            }
            sections.append(lines.joined(separator: "\n"))
        }
        sections.append(inboxSection(input.inbox))
        sections.append("Answer with one JSON object.")
        let toolsEnd = tools.utf8.count
        return (tools + memory + sections.joined(separator: separator), toolsEnd, toolsEnd + memory.utf8.count)
    }

    private func toolsSection(_ input: Input) -> String {
        if input.tools.isEmpty && input.unavailableTools.isEmpty { return "## Tools\nYou have no tools." }
        var lines = ["## Tools you may call"]
        for tool in input.tools {
            let approval = tool.requiresApproval ? " (runs only once the human approves)" : ""
            lines.append("- \(tool.name): \(tool.summary)\(approval) Arguments: \(tool.argumentSchema.compactText)")
        }
        for (pattern, reason) in input.unavailableTools {
            lines.append("- \(pattern): unavailable this turn (\(reason))")
        }
        return lines.joined(separator: "\n")
    }

    private func memorySection(_ input: Input) -> String {
        guard !input.memory.isEmpty else { return "## Memory\nYour memory is empty." }
        var lines = ["## Memory (\(input.memory.count) keys, most recently updated first)"]
        var used = 0
        for (position, record) in input.memory.enumerated() {
            let line = "- \(record.key): \(record.value.compactText)"
            if used + line.count > input.memoryCharacters {
                lines.append("(\(input.memory.count - position) more keys not shown)")
                break
            }
            used += line.count
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    private func inboxSection(_ inbox: Inbox) -> String {
        guard !inbox.isEmpty else { return "## New messages\nNo new messages." }
        var lines = ["## New messages (\(inbox.entries.count))"]
        for entry in inbox.entries {
            var header = "[\(entry.id.text)] from \(entry.author), \(entry.kind)"
            if entry.priority != .normal { header += ", \(entry.priority.rawValue)" }
            if let replyTo = entry.replyTo { header += ", reply to \(replyTo)" }
            if entry.thread != entry.id.text { header += ", thread \(entry.thread)" }
            if let recipients = entry.recipients { header += ", to \(recipients.joined(separator: ", "))" }
            lines.append(header + ":")
            lines.append(entry.text + (inbox.truncated.contains(entry.id) ? " […cut]" : ""))
        }
        if inbox.waiting > 0 {
            lines.append("(\(inbox.waiting) more new messages are waiting and will be shown next turn.)")
        }
        return lines.joined(separator: "\n")
    }

    /// The JSON Schema of a reply, sent to providers that support structured output.
    public static let replySchema: JSONValue = {
        let entry: JSONValue = [
            "type": "object",
            "properties": [
                "kind": ["type": "string"], "payload": ["type": "object"],
                "to": ["type": "array", "items": ["type": "string"]],
                "priority": ["type": "string", "enum": ["urgent", "normal", "low"]],
                "reply_to": ["type": "string"], "tags": ["type": "array", "items": ["type": "string"]],
                "meta": ["type": "object"],
            ],
            "required": ["payload"],
        ]
        let toolCall: JSONValue = [
            "type": "object", "properties": ["tool": ["type": "string"], "args": ["type": "object"]],
            "required": ["tool"],
        ]
        let memoryUpdate: JSONValue = [
            "type": "object",
            "properties": [
                "key": ["type": "string"], "op": ["type": "string", "enum": ["set", "append", "merge", "delete"]],
                "value": [:],
            ],
            "required": ["key"],
        ]
        return [
            "type": "object",
            "properties": [
                "outbox_entries": ["type": "array", "items": entry],
                "tool_calls": ["type": "array", "items": toolCall],
                "memory_updates": ["type": "array", "items": memoryUpdate],
                "notes": ["type": "string"],
            ],
        ]
    }()
}
