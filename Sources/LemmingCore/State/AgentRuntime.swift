import LemmingJSON

/// Why an agent is paused.
public enum PauseReason: String, Sendable, Equatable {
    /// `lemming pause NAME`, the API or a command file.
    case byOperator = "operator"
    /// It kept repeating itself (DESIGN §5.5).
    case loopDetected = "loop_detected"
    /// Its replies were unusable (cut off, refused, empty) too many turns in a row.
    case unusableReplies = "unusable_replies"

    /// Reads `pause_reason`; files written before this enum held a sentence for the operator.
    init(stored text: String) {
        self = PauseReason(rawValue: text) ?? .byOperator
    }
}

/// What the engine remembers about an agent between ticks: `state/agents.json`.
public struct AgentRuntime: Sendable, Equatable {
    /// Whether the agent is paused (it does not fire until resumed).
    public var isPaused = false
    /// Why it is paused; `nil` when it is not (or, in old files, when no reason was written: the operator).
    public var pauseReason: PauseReason?
    /// The tick of its last turn; `nil` before its first.
    public var lastTick: Int?
    /// How its last turn ended; `nil` before its first.
    public var lastStopReason: StopReason?
    /// Fingerprint of the last acting turn and how many turns in a row had it (loop detection).
    /// Its recent acting turns, for loop detection (``LoopDetector``).
    public var loop = LoopHistory()
    /// Results of the previous turn's tool calls, shown in the next prompt.
    public var pendingToolResults: [JSONValue] = []
    /// Entries this agent addressed to someone who cannot read it.
    public var undeliverableEntries = 0
    /// Tool calls waiting for the human's approval.
    public var pendingApprovals: [PendingApproval] = []
    /// What went wrong with the last reply, for the next prompt.
    public var feedback: ReplyProblems?
    /// Unusable replies (cut off, refused, empty) in a row; the input stays unread meanwhile.
    public var unusableReplies = 0

    /// The state of an agent that never ran: not paused, nothing pending.
    public init() {}

    /// The agent's object in `state/agents.json` (snake_case keys).
    public var json: JSONValue {
        var object = JSONObject()
        object["paused"] = .bool(isPaused)
        object["pause_reason"] = .optional(pauseReason?.rawValue)
        object["last_tick"] = lastTick.map(JSONValue.int) ?? .null
        object["last_stop_reason"] = .optional(lastStopReason?.rawValue)
        object["pending_tool_results"] = .array(pendingToolResults)
        object["undeliverable_entries"] = .int(undeliverableEntries)
        if !pendingApprovals.isEmpty { object["pending_approvals"] = .array(pendingApprovals.map(\.json)) }
        if let feedback, !feedback.isEmpty { object["feedback"] = feedback.json }
        if unusableReplies > 0 { object["unusable_replies"] = .int(unusableReplies) }
        if !loop.isEmpty { object["loop"] = loop.json }
        return .object(object)
    }

    init(json object: JSONObject) {
        isPaused = object["paused"]?.boolValue ?? false
        pauseReason = object["pause_reason"]?.stringValue.map(PauseReason.init(stored:))
        lastTick = object["last_tick"]?.intValue
        lastStopReason = object["last_stop_reason"]?.stringValue.flatMap(StopReason.init(rawValue:))
        loop = object["loop"].map(LoopHistory.init(json:)) ?? LoopHistory()
        pendingToolResults = object["pending_tool_results"]?.arrayValue ?? []
        undeliverableEntries = object["undeliverable_entries"]?.intValue ?? 0
        pendingApprovals = object["pending_approvals"]?.arrayValue?.compactMap(PendingApproval.init(json:)) ?? []
        feedback = object["feedback"].flatMap(ReplyProblems.init(json:)).flatMap { $0.isEmpty ? nil : $0 }
        unusableReplies = object["unusable_replies"]?.intValue ?? 0
    }
}

/// Every agent's runtime state.
public struct AgentRuntimes: Sendable, Equatable {
    /// The agents' states by name; agents missing here have a fresh ``AgentRuntime``.
    public var agents: [String: AgentRuntime] = [:]

    /// No agent state yet (a new org).
    public init() {}

    /// The state of `agent` (a fresh one when it has none); setting stores it.
    public subscript(agent: String) -> AgentRuntime {
        get { agents[agent] ?? AgentRuntime() }
        set { agents[agent] = newValue }
    }

    /// The content of `state/agents.json`: an object by agent name.
    public var json: JSONValue {
        var object = JSONObject()
        for name in agents.keys.sorted(by: Names.precedes) { object[name] = agents[name]?.json }
        return .object(object)
    }

    /// Reads `state/agents.json`.
    ///
    /// - Parameters:
    ///   - value: the file's JSON document.
    ///   - file: the path shown in errors.
    /// - Throws: ``LemmingError`` (`.invalidFile`) when the document or an agent's entry is not an object.
    public init(json value: JSONValue, file: String) throws {
        guard let object = value.objectValue else {
            throw LemmingError(.invalidFile, "must be a JSON object", path: file)
        }
        for (name, state) in object {
            guard let stateObject = state.objectValue else {
                throw LemmingError(.invalidFile, "must be an object", path: file, field: name)
            }
            agents[name] = AgentRuntime(json: stateObject)
        }
    }
}
