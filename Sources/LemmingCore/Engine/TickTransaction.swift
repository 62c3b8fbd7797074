import LemmingJSON

/// The changes of one commit being prepared: a copy of the engine state moved forward, the
/// ``TickChanges`` to persist, and the events to publish once they are durable.
///
/// If the commit fails or the tick is cancelled, the transaction is dropped and the engine state
/// is untouched; the tick runs again later. Nothing it recorded has been published, numbered or
/// cached by then (only live progress was sent, see ``EventSink/progress(_:)``).
struct TickTransaction {
    struct Context {
        var config: OrgConfig
        var agents: [String: AgentRecord]
        var graph: OrgGraph
        var tools: ToolRegistry
        var models: ModelRegistry
        var paths: OrgPaths
        var clock: any WallClock
        /// Where live progress goes.
        var bus: EventBus
        var readEntry: (EntryID) -> Result<OutboxEntry, LemmingError>
        /// Where tool runs with external effects are recorded as they complete.
        var outcomes: OutcomeLog?
        /// What this tick already did before a crash interrupted it.
        var recorded: RecordedOutcomes?
    }

    /// Events sent as live progress as well as committed.
    static let progressKinds: Set<EngineEvent.Kind> = [.tickStarted, .turnStarted, .turnFinished, .turnFailed]

    let tick: Int
    var state: EngineState
    var changes: TickChanges
    let context: Context
    private(set) var ledgerChanged = false
    private(set) var cursorsChanged = false
    private(set) var runtimesChanged = false
    private(set) var entriesWritten = 0
    private var reportedUnreadable: Set<EntryID> = []
    /// Entries written by this transaction, by id (the shared entry cache learns them at commit).
    private(set) var staged: [EntryID: OutboxEntry] = [:]
    /// Agents created by tools in this transaction (their names are taken).
    var createdAgents: Set<String> = []
    /// The events of the commit, in order; numbered and published by ``Engine`` after the commit.
    private(set) var events: [EngineEvent.Draft] = []

    init(tick: Int, label: String, state: EngineState, context: Context) {
        self.tick = tick
        self.state = state
        self.context = context
        changes = TickChanges(tick: tick, label: label)
    }

    var now: String { Timestamp.format(context.clock.now()) }

    // MARK: - Events

    /// Records an event of this commit (and sends it as live progress when it is a progress kind).
    mutating func record(_ kind: EngineEvent.Kind, agent: String? = nil, _ data: JSONObject = JSONObject()) {
        let event = EngineEvent.Draft(time: now, tick: tick, kind: kind, agent: agent, data: data)
        if Self.progressKinds.contains(kind) { context.bus.progress(event) }
        events.append(event)
    }

    // MARK: - State helpers

    mutating func updateLedger(_ agent: String, _ change: (inout LedgerAccount) -> Void) {
        var account =
            state.ledger[agent] ?? LedgerAccount(balance: context.agents[agent]?.resume?.credits.maxCredits ?? 0)
        change(&account)
        state.ledger[agent] = account
        ledgerChanged = true
    }

    mutating func updateRuntime(_ agent: String, _ change: (inout AgentRuntime) -> Void) {
        // In place: a copy would copy the runtime's arrays (tool results, loop history) each time.
        change(&state.runtimes.agents[agent, default: AgentRuntime()])
        runtimesChanged = true
    }

    mutating func moveCursors(reader: String, to cursors: [String: ReadCursor]) {
        guard !cursors.isEmpty else { return }
        var table = state.cursors.positions[reader] ?? [:]
        for (source, cursor) in cursors { table[source] = cursor }
        state.cursors.positions[reader] = table
        cursorsChanged = true
    }

    /// Writes every state file with this commit.
    mutating func markStateChanged() {
        ledgerChanged = true
        cursorsChanged = true
        runtimesChanged = true
    }

    /// Opens an account at `max_credits` for every valid agent that has none.
    mutating func openAccounts() {
        for (name, record) in context.agents {
            guard let resume = record.resume, state.ledger[name] == nil else { continue }
            state.ledger[name] = LedgerAccount(balance: resume.credits.maxCredits)
            ledgerChanged = true
        }
    }

    /// An entry by id: from the cache, else from disk (an unreadable file is reported once).
    mutating func entry(_ id: EntryID) -> OutboxEntry? {
        if let written = staged[id] { return written }
        if let cached = state.outboxes.cached(id) { return cached }
        if state.outboxes.unreadable.contains(id) { return nil }
        switch context.readEntry(id) {
        case .success(let found):
            state.outboxes.cache(found)
            return found
        case .failure(let error):
            state.outboxes.markUnreadable(id)
            if reportedUnreadable.insert(id).inserted {
                record(
                    .entryUnreadable, agent: id.agent, ["id": .string(id.text), "error": .string(error.description)])
            }
            return nil
        }
    }

    // MARK: - Writing entries

    /// Gives a draft its id and thread, records it, and publishes `entry_written`.
    ///
    /// - Returns: the entry and a violation when `reply_to` names no known entry.
    @discardableResult
    mutating func write(_ draft: DraftEntry, author: String) -> (OutboxEntry, ContractViolation?) {
        let id = EntryID(tick: tick, agent: author, sequence: state.outboxes.nextSequence(of: author, tick: tick))
        var thread = id.text
        var violation: ContractViolation?
        if let replyTo = draft.replyTo {
            if let parentID = EntryID(replyTo), let parent = entry(parentID) {
                thread = parent.thread
            } else {
                violation = ContractViolation(
                    "unknown_reply_to", field: "reply_to", "no entry '\(replyTo)'; thread started")
            }
        }
        let newEntry = OutboxEntry(
            id: id, kind: draft.kind, payload: draft.payload, tags: draft.tags, recipients: draft.recipients,
            priority: draft.priority, replyTo: draft.replyTo, thread: thread, createdAt: now, meta: draft.meta)
        state.outboxes.insert(newEntry.id)
        staged[newEntry.id] = newEntry
        changes.entries.append(newEntry)
        entriesWritten += 1
        var data = JSONObject()
        data["id"] = .string(id.text)
        data["kind"] = .string(newEntry.kind)
        data["recipients"] = newEntry.recipients.map(JSONValue.strings) ?? .null
        data["thread"] = .string(thread)
        record(.entryWritten, agent: author, data)
        if let recipients = newEntry.recipients {
            let unreachable = context.graph.undeliverable(recipients, author: author)
            if !unreachable.isEmpty {
                updateRuntime(author) { $0.undeliverableEntries += 1 }
                record(
                    .entryUndeliverable, agent: author, ["id": .string(id.text), "recipients": .strings(unreachable)])
            }
        }
        return (newEntry, violation)
    }

    /// Posts an engine-authored `status` entry in an agent's outbox.
    mutating func postStatus(
        _ agent: String, _ text: String, to recipients: [String]? = nil, code: String, meta: JSONObject = [:]
    ) {
        var fields = JSONObject([("source", "engine"), ("code", .string(code))])
        for (key, value) in meta { fields[key] = value }
        let draft = DraftEntry(
            kind: "status", payload: JSONObject([("text", .string(text))]), recipients: recipients, meta: fields)
        write(draft, author: agent)
    }

    // MARK: - Finishing

    /// Moves entries past the retention horizon to `archive/` (DESIGN §5.1 step 5).
    mutating func archiveOldEntries() {
        guard let retention = context.config.outboxRetentionTicks else { return }
        let old = state.outboxes.ids(before: tick - retention)
        guard !old.isEmpty else { return }
        state.outboxes.remove(old)
        changes.archived.append(contentsOf: old)
        record(.entriesArchived, ["count": .int(old.count), "before_tick": .int(tick - retention)])
    }

    /// The changes to commit, with every state file that changed.
    mutating func finish(advanceTick: Bool) -> TickChanges {
        if advanceTick {
            state.tick.lastCommittedTick = tick
            state.tick.nextTick = tick + 1
        }
        state.tick.updatedAt = now
        changes.tickState = state.tick
        if ledgerChanged { changes.ledger = state.ledger }
        if cursorsChanged { changes.cursors = state.cursors }
        if runtimesChanged { changes.runtimes = state.runtimes }
        return changes
    }
}
