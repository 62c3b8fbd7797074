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
        /// An outcome could not be recorded durably (the disk is full?): a crash now would repeat it.
        public static let outcomeUnrecorded = Kind("outcome_unrecorded")
        /// A state file could not be read: it was set aside and a stand-in used (``StateFiles``).
        public static let stateFileUnreadable = Kind("state_file_unreadable")
    }

    /// An event not numbered yet: recorded by a commit being prepared, and sent as live progress.
    public struct Draft: Sendable, Equatable {
        public var time: String
        public var tick: Int?
        public var kind: Kind
        public var agent: String?
        public var data: JSONObject

        public init(time: String, tick: Int?, kind: Kind, agent: String?, data: JSONObject = JSONObject()) {
            self.time = time
            self.tick = tick
            self.kind = kind
            self.agent = agent
            self.data = data
        }

        /// The draft as a live client sees it: ``EngineEvent/json`` without `seq`, with
        /// `"progress": true`.
        public var json: JSONValue {
            EngineEvent.json(sequence: nil, time: time, tick: tick, kind: kind, agent: agent, data: data)
        }
    }

    /// `{"seq", "time", "tick", "type", "agent", "data"}`, or with `"progress": true` in place of
    /// `seq` when there is no number.
    static func json(
        sequence: Int?, time: String, tick: Int?, kind: Kind, agent: String?, data: JSONObject
    ) -> JSONValue {
        var object = JSONObject()
        if let sequence { object["seq"] = .int(sequence) } else { object["progress"] = true }
        object["time"] = .string(time)
        object["tick"] = tick.map(JSONValue.int) ?? .null
        object["type"] = .string(kind.name)
        object["agent"] = .optional(agent)
        object["data"] = .object(data)
        return .object(object)
    }

    /// The event's number: consecutive, never reused, persisted with the commit that produced it
    /// (`next_event_seq` in `state/tick.json`).
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

    /// Numbers a draft.
    public init(_ draft: Draft, sequence: Int) {
        self.init(
            sequence: sequence, time: draft.time, tick: draft.tick, kind: draft.kind, agent: draft.agent,
            data: draft.data)
    }

    /// Reads an event as ``json`` writes it (a line of `logs/engine.jsonl`); `nil` when it is not one.
    public init?(json value: JSONValue) {
        guard let sequence = value["seq"]?.intValue, let kind = value["type"]?.stringValue else { return nil }
        self.init(
            sequence: sequence, time: value["time"]?.stringValue ?? "", tick: value["tick"]?.intValue, kind: Kind(kind),
            agent: value["agent"]?.stringValue, data: value["data"]?.objectValue ?? JSONObject())
    }

    public var json: JSONValue {
        Self.json(sequence: sequence, time: time, tick: tick, kind: kind, agent: agent, data: data)
    }
}

/// A consumer of engine events: the log file, metrics, a WebSocket broadcaster.
///
/// Called synchronously from the engine; implementations must not block (buffer, then write or
/// forward elsewhere). Two channels (DESIGN §5.6):
/// - ``receive(_:)``: committed events, numbered, in order, each delivered once, after the commit
///   that produced it is durable. What logs and metrics count.
/// - ``progress(_:)``: live news of the tick in progress (`tick_started`, `turn_started`,
///   `turn_finished`, `turn_failed`), as it happens, unnumbered. The tick may still be abandoned;
///   what it committed arrives later through ``receive(_:)``.
///
/// The engine hands each commit to ``committed(_:)``, whose default passes its events one by one
/// to ``receive(_:)``; a sink that keeps data derived from the files implements it to take the
/// commit's entries, memory and turn records as well.
public protocol EventSink: Sendable {
    func receive(_ event: EngineEvent)
    func progress(_ event: EngineEvent.Draft)
    /// A commit, once its files are on disk: its events (to pass on to ``receive(_:)``, as the
    /// default does) and what it wrote.
    func committed(_ changes: CommittedChanges)
    /// Called after each commit and at shutdown: write out anything buffered.
    func flush()
}

extension EventSink {
    public func progress(_ event: EngineEvent.Draft) {}
    public func committed(_ changes: CommittedChanges) {
        for event in changes.events { receive(event) }
    }
    public func flush() {}
}
