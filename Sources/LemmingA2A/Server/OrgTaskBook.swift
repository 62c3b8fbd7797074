import LemmingCore
import LemmingJSON
import LemmingOrgView

/// The A2A tasks of an org, read from its files (issue 14 §3).
///
/// A task is an entry of the human's outbox whose payload has an `a2a` object (written by
/// `SendMessage`); its id is the entry's id and its context the entry's thread. Its state follows
/// the agent it was sent to:
///
/// | state | when |
/// |---|---|
/// | `TASK_STATE_COMPLETED` | the agent wrote an entry to the human with `reply_to` = the task's id (the answer) |
/// | `TASK_STATE_CANCELED` | a client canceled it first (`state/a2a-tasks.json`) |
/// | `TASK_STATE_FAILED` | the agent is gone, disabled, out of credits or paused by the engine before answering |
/// | `TASK_STATE_WORKING` | the agent's turn has shown it the entry (its read cursor passed it) |
/// | `TASK_STATE_SUBMITTED` | otherwise: waiting for the agent's turn |
///
/// A paused agent (by the operator) leaves its tasks as they are; they go on when it is resumed.
struct OrgTaskBook: Sendable {
    /// The payload member that marks an entry as an A2A task.
    static let marker = "a2a"

    let paths: OrgPaths
    let verdicts: TaskVerdicts
    let now: @Sendable () -> String

    init(paths: OrgPaths, now: @escaping @Sendable () -> String) {
        self.paths = paths
        self.verdicts = TaskVerdicts(paths: paths)
        self.now = now
    }

    /// The entry behind task `id` and the agent it was sent to, or `nil` when `id` is no task.
    func entry(_ id: String, in view: OrgView) -> (entry: OutboxEntry, agent: String)? {
        guard let entryID = EntryID(id), entryID.agent == Names.human, case .success(let entry) = view.entry(entryID),
            entry.payload[Self.marker]?.objectValue != nil, let agent = entry.recipients?.first
        else { return nil }
        return (entry, agent)
    }

    /// Task `id` as it stands, or `nil` when there is no such task.
    func task(_ id: String, in view: OrgView) -> A2ATask? {
        guard let (entry, agent) = entry(id, in: view) else { return nil }
        return task(of: entry, agent: agent, in: view)
    }

    /// The task of a task entry, as it stands.
    func task(of entry: OutboxEntry, agent: String, in view: OrgView) -> A2ATask {
        let id = entry.id.text
        let request = A2AMessage(
            messageID: entry.payload[Self.marker]?["message_id"]?.stringValue ?? id, role: .user,
            parts: [.text(entry.text)], contextID: entry.thread, taskID: id)
        var task = A2ATask(
            id: id, contextID: entry.thread, status: TaskStatus(state: .submitted, timestamp: entry.createdAt),
            history: [request], metadata: ["agent": .string(agent)])
        if let verdict = verdicts.verdict(id) {
            task.status = TaskStatus(
                state: verdict.state, message: agentMessage(verdict.reason, id: id + "-status", task: task),
                timestamp: verdict.at)
            return task
        }
        if let reply = reply(to: entry.id, from: agent, in: view) {
            let answer = agentMessage(reply.text, id: reply.id.text, task: task)
            task.status = TaskStatus(state: .completed, message: answer, timestamp: reply.createdAt)
            task.artifacts = [Artifact(artifactID: reply.id.text, name: "answer", parts: [.text(reply.text)])]
            task.history.append(answer)
            return task
        }
        if let reason = failure(of: agent, in: view),
            let verdict = try? verdicts.record(id, state: .failed, reason: reason, at: now())
        {
            task.status = TaskStatus(
                state: verdict.state, message: agentMessage(verdict.reason, id: id + "-status", task: task),
                timestamp: verdict.at)
            return task
        }
        if !view.cursors.cursor(reader: agent, source: Names.human).isUnread(entry.id) {
            task.status = TaskStatus(state: .working, timestamp: entry.createdAt)
        }
        return task
    }

    /// The agent's answer: its first entry to the human replying to the task's entry (an entry
    /// replying to it addressed to teammates only is work on it, not the answer).
    func reply(to id: EntryID, from agent: String, in view: OrgView) -> OutboxEntry? {
        guard let ids = try? view.entryIDs(of: agent) else { return nil }
        for candidate in ids where candidate.tick >= id.tick {
            if case .success(let entry) = view.entry(candidate), entry.replyTo == id.text,
                entry.recipients?.contains(Names.human) ?? true
            {
                return entry
            }
        }
        return nil
    }

    /// Why `agent` will not answer, or `nil` while it may.
    func failure(of agent: String, in view: OrgView) -> String? {
        guard view.isAgent(agent) else { return "\(agent) is no longer an agent of this org" }
        switch view.agentState(of: agent) {
        case .active, .paused: return nil
        case .disabled: return "\(agent) is disabled"
        case .invalidResume: return "\(agent)'s resume does not validate"
        case .budgetExhausted: return "\(agent) is out of credits"
        case .loopDetected: return "\(agent) was paused: it kept repeating itself"
        case .unusableReplies: return "\(agent) was paused: its replies were unusable"
        }
    }

    private func agentMessage(_ text: String, id: String, task: A2ATask) -> A2AMessage {
        A2AMessage(messageID: id, role: .agent, parts: [.text(text)], contextID: task.contextID, taskID: task.id)
    }
}
