import LemmingJSON

/// Something that happened in the engine, as published to logs, metrics and live clients.
public struct EngineEvent: Sendable, Equatable {
    /// The kind of event. Extensible: new kinds are static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let engineStarted = Kind("engine_started")
        public static let engineStopped = Kind("engine_stopped")
        public static let recovered = Kind("recovered")
        public static let tickStarted = Kind("tick_started")
        public static let tickFinished = Kind("tick_finished")
        public static let turnStarted = Kind("turn_started")
        public static let turnFinished = Kind("turn_finished")
        public static let turnFailed = Kind("turn_failed")
        public static let turnSkipped = Kind("turn_skipped")
        public static let entryWritten = Kind("entry_written")
        public static let entryUndeliverable = Kind("entry_undeliverable")
        public static let entryUnreadable = Kind("entry_unreadable")
        public static let memoryUpdated = Kind("memory_updated")
        public static let toolCalled = Kind("tool_called")
        public static let creditsChanged = Kind("credits_changed")
        public static let softCapWarning = Kind("soft_cap_warning")
        public static let budgetExhausted = Kind("budget_exhausted")
        public static let violation = Kind("violation")
        public static let loopDetected = Kind("loop_detected")
        public static let agentPaused = Kind("agent_paused")
        public static let agentResumed = Kind("agent_resumed")
        public static let enginePaused = Kind("engine_paused")
        public static let engineResumed = Kind("engine_resumed")
        public static let commandApplied = Kind("command_applied")
        public static let commandRejected = Kind("command_rejected")
        public static let resumeInvalid = Kind("resume_invalid")
        public static let resumeLoaded = Kind("resume_loaded")
        public static let configInvalid = Kind("config_invalid")
        public static let entriesArchived = Kind("entries_archived")
        public static let agentCreated = Kind("agent_created")
        public static let approvalRequested = Kind("approval_requested")
        public static let approvalResolved = Kind("approval_resolved")
    }

    public var sequence: Int
    public var time: String
    public var tick: Int?
    public var kind: Kind
    public var agent: String?
    public var data: JSONObject

    public init(sequence: Int, time: String, tick: Int?, kind: Kind, agent: String?, data: JSONObject = JSONObject()) {
        self.sequence = sequence
        self.time = time
        self.tick = tick
        self.kind = kind
        self.agent = agent
        self.data = data
    }

    /// Reads an event as ``json`` writes it (a line of `logs/engine.jsonl`); `nil` when it is not one.
    public init?(json value: JSONValue) {
        guard let sequence = value["seq"]?.intValue, let kind = value["type"]?.stringValue else { return nil }
        self.init(
            sequence: sequence, time: value["time"]?.stringValue ?? "", tick: value["tick"]?.intValue, kind: Kind(kind),
            agent: value["agent"]?.stringValue, data: value["data"]?.objectValue ?? JSONObject())
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["seq"] = .int(sequence)
        object["time"] = .string(time)
        object["tick"] = tick.map(JSONValue.int) ?? .null
        object["type"] = .string(kind.name)
        object["agent"] = .optional(agent)
        object["data"] = .object(data)
        return .object(object)
    }
}

/// A consumer of engine events: the log file, metrics, a WebSocket broadcaster.
///
/// Called synchronously from the engine, in event order; implementations must not block
/// (buffer, then write or forward elsewhere).
public protocol EventSink: Sendable {
    func receive(_ event: EngineEvent)
    /// Called at the end of each tick and at shutdown: write out anything buffered.
    func flush()
}

extension EventSink {
    public func flush() {}
}
