import LemmingJSON

/// Something that happened in the engine, as published to logs, metrics and live clients.
public struct EngineEvent: Sendable, Equatable {
    /// The kind of event. Extensible: new kinds are static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The wire name, snake_case: the `type` field of an event's JSON (`turn_finished`).
        public let name: String
        /// A kind named `name` (snake_case, as it appears in `type`); unknown names read from a log are kept as they
        /// are.
        public init(_ name: String) { self.name = name }
        /// The wire name, ``name``.
        public var description: String { name }

        /// An engine opened the org (`data`: `next_tick`, `org`).
        public static let engineStarted = Kind("engine_started")
        /// An engine closed the org cleanly (`data`: `next_tick`).
        public static let engineStopped = Kind("engine_stopped")
        /// Start-up recovery replayed interrupted journals (`data`: `journals`, `ticks`) or found outcomes of an
        /// interrupted tick to re-stage (`data`: `tick`, `replies`, `tool_runs`).
        public static let recovered = Kind("recovered")
        /// A tick began (live progress only).
        public static let tickStarted = Kind("tick_started")
        /// A tick committed (`data`: `turns`, `entries`, `failures`, `cost` in credits).
        public static let tickFinished = Kind("tick_finished")
        /// An agent's turn began (`data`: `model`, `inbox`: the number of entries read).
        public static let turnStarted = Kind("turn_started")
        /// An agent's turn ended with a usable reply (`data`: `stop_reason`, `entries`, `cost` and
        /// `balance` in credits, `duration_ms` and `provider_ms` in milliseconds, `input_tokens`,
        /// `output_tokens`, and the cache counts when reported).
        public static let turnFinished = Kind("turn_finished")
        /// An agent's turn failed (provider error, unusable reply, …): nothing it said is committed (`data`: as
        /// ``turnFinished``, with `error`).
        public static let turnFailed = Kind("turn_failed")
        /// An agent due to run did not (`data`: `reason`, a ``StopReason``).
        public static let turnSkipped = Kind("turn_skipped")
        /// An outbox entry was committed (`data`: `id`, `kind`, `recipients`, `thread`; DESIGN §4.2).
        public static let entryWritten = Kind("entry_written")
        /// An entry names recipients that do not read its author (`data`: `id`, `recipients`).
        public static let entryUndeliverable = Kind("entry_undeliverable")
        /// An entry file could not be read or parsed and was skipped (`data`: `id` or `error`).
        public static let entryUnreadable = Kind("entry_unreadable")
        /// An agent's memory changed (`data`: `op`, `key`).
        public static let memoryUpdated = Kind("memory_updated")
        /// A tool call ran, or was refused, during a turn (`data`: `tool`, `success`, `error`).
        public static let toolCalled = Kind("tool_called")
        /// An account's balance changed (`data`: `amount` and `balance` in credits, `reason`, `tokens`).
        public static let creditsChanged = Kind("credits_changed")
        /// A balance fell below the agent's soft cap (`data`: `balance`, `soft_cap`, credits).
        public static let softCapWarning = Kind("soft_cap_warning")
        /// An agent could not afford its turn (`data`: `balance`, `needed`, credits).
        public static let budgetExhausted = Kind("budget_exhausted")
        /// A reply broke the reply contract (`data`: `code`, `field`, `message`).
        public static let violation = Kind("violation")
        /// The loop detector paused an agent repeating itself (`data`: `reason`).
        public static let loopDetected = Kind("loop_detected")
        /// An agent was paused (`data`: `reason`, a ``PauseReason``).
        public static let agentPaused = Kind("agent_paused")
        /// A paused agent was resumed.
        public static let agentResumed = Kind("agent_resumed")
        /// The whole engine was paused: ticks apply commands only.
        public static let enginePaused = Kind("engine_paused")
        /// The engine was resumed.
        public static let engineResumed = Kind("engine_resumed")
        /// A ``ControlCommand`` was applied.
        public static let commandApplied = Kind("command_applied")
        /// A ``ControlCommand`` could not be applied (`data`: `error`, `file`).
        public static let commandRejected = Kind("command_rejected")
        /// A resume has errors; the agent does not run until it is fixed (`data`: `errors`).
        public static let resumeInvalid = Kind("resume_invalid")
        /// A new or edited resume was loaded (`data`: `errors`, `warnings`).
        public static let resumeLoaded = Kind("resume_loaded")
        /// `lemming.json` has errors; the last good settings stay in force (`data`: `errors`).
        public static let configInvalid = Kind("config_invalid")
        /// Old outbox entries were moved to the archive (`data`: `count`, `before_tick`).
        public static let entriesArchived = Kind("entries_archived")
        /// An agent was created, by a command or the `create_agent` tool (`data`: `name`, `credits`).
        public static let agentCreated = Kind("agent_created")
        /// A tool call waits for a human's approval (`data`: `request`, `tool`).
        public static let approvalRequested = Kind("approval_requested")
        /// A human approved or denied a waiting tool call (`data`: `request`, `decision`).
        public static let approvalResolved = Kind("approval_resolved")
        /// An outcome could not be recorded durably (the disk is full?): a crash now would repeat it.
        public static let outcomeUnrecorded = Kind("outcome_unrecorded")
        /// A state file could not be read: it was set aside and a stand-in used (`StateFiles`).
        public static let stateFileUnreadable = Kind("state_file_unreadable")
    }

    /// An event not numbered yet: recorded by a commit being prepared, and sent as live progress.
    public struct Draft: Sendable, Equatable {
        /// When it happened: ISO 8601 UTC with milliseconds (``Timestamp``).
        public var time: String
        /// The tick it belongs to; `nil` when none does.
        public var tick: Int?
        /// What happened.
        public var kind: Kind
        /// The agent it concerns; `nil` for org-wide events.
        public var agent: String?
        /// Details, by kind (see each ``Kind``); snake_case keys.
        public var data: JSONObject

        /// A draft of `kind` at `time` (ISO 8601 UTC, ``Timestamp/format(_:)``).
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
    /// When it happened: ISO 8601 UTC with milliseconds (``Timestamp``).
    public var time: String
    /// The tick it belongs to; `nil` when none does.
    public var tick: Int?
    /// What happened.
    public var kind: Kind
    /// The agent it concerns; `nil` for org-wide events.
    public var agent: String?
    /// Details, by kind (see each ``Kind``); snake_case keys.
    public var data: JSONObject

    /// An event numbered `sequence` (see ``sequence``).
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

    /// The event as logs and live clients see it: `{"seq", "time", "tick", "type", "agent", "data"}` (one line of
    /// `logs/engine.jsonl`; the `/api/events` WebSocket, DESIGN §8).
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
    /// A committed event, numbered, in order, once, after its commit is durable. Must not block.
    func receive(_ event: EngineEvent)
    /// Live news of the tick in progress, unnumbered; it may still be abandoned. Must not block.
    func progress(_ event: EngineEvent.Draft)
    /// A commit, once its files are on disk: its events (to pass on to ``receive(_:)``, as the
    /// default does) and what it wrote.
    func committed(_ changes: CommittedChanges)
    /// Called after each commit and at shutdown: write out anything buffered.
    func flush()
}

extension EventSink {
    /// Ignores live progress.
    public func progress(_ event: EngineEvent.Draft) {}
    /// Passes the commit's events, in order, to ``receive(_:)``.
    public func committed(_ changes: CommittedChanges) {
        for event in changes.events { receive(event) }
    }
    /// Buffers nothing, so writes nothing.
    public func flush() {}
}
