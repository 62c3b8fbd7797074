import LemmingJSON

extension TickTransaction {
    // MARK: - Tool calls

    /// Runs a turn's tool calls in order (DESIGN §7): each must be permitted, exist and have valid
    /// arguments; one that needs the human's approval posts an `approval_request` instead.
    nonisolated(nonsending) mutating func runToolCalls(
        _ calls: [ToolCall], agent: String, resume: Resume
    ) async -> [ToolResult] {
        var results: [ToolResult] = []
        for (index, call) in calls.enumerated() {
            let result: ToolResult
            if let refusal = refusal(of: call, agent: agent, resume: resume) {
                result = .failure(call.tool, refusal)
            } else if context.tools.requiresApproval(call.tool) {
                result = requestApproval(call, agent: agent)
            } else {
                result = await run(call, key: .call(index), agent: agent, resume: resume)
            }
            results.append(result)
        }
        return results
    }

    /// Why a call may not run, or `nil`.
    private func refusal(of call: ToolCall, agent: String, resume: Resume) -> String? {
        guard ToolPattern.any(resume.permissions.tools, matches: call.tool) else {
            return "tool '\(call.tool)' is not permitted for \(agent) (its permissions.tools)"
        }
        guard let tool = context.tools[call.tool] else {
            if let problem = context.tools.problem(with: call.tool) { return "\(call.tool) is unavailable: \(problem)" }
            return "no tool named '\(call.tool)' exists in this org"
        }
        return ArgumentValidator.problem(with: .object(call.arguments), schema: tool.argumentSchema)
    }

    /// Runs a permitted, valid call and applies the effects it asks for.
    ///
    /// A call with external effects runs at most once per tick: its output is recorded durably as
    /// soon as it ran, and a rerun of the tick after a crash re-stages the recorded output instead
    /// (DESIGN §5.6).
    private nonisolated(nonsending) mutating func run(
        _ call: ToolCall, key: ToolRunKey, agent: String, resume: Resume
    ) async -> ToolResult {
        guard let tool = context.tools[call.tool] else { return .failure(call.tool, "no tool named '\(call.tool)'") }
        let output: ToolOutput
        if tool.hasExternalEffects, let recorded = context.recorded?.toolRuns[agent]?[key.text],
            recorded.result.tool == call.tool
        {
            output = ToolOutput(recorded.result, effects: recorded.effects)
        } else {
            let toolContext = ToolContext(
                agent: agent, tick: tick, resume: resume, org: context.paths, config: context.config,
                memory: state.memory[agent] ?? MemoryBook())
            output = await tool.run(call.arguments, context: toolContext)
            if tool.hasExternalEffects, let outcomes = context.outcomes {
                do {
                    try outcomes.append(
                        RecordedOutcomes.ToolRun.json(tick: tick, agent: agent, key: key, output: output))
                } catch {
                    record(
                        .outcomeUnrecorded, agent: agent, ["tool": .string(call.tool), "error": .string("\(error)")])
                }
            }
        }
        var result = output.result
        for effect in output.effects {
            if let problem = apply(effect, agent: agent, resume: resume) {
                result = .failure(call.tool, problem)
                break
            }
        }
        var data: JSONObject = ["tool": .string(call.tool), "success": .bool(result.isSuccess)]
        data["error"] = .optional(result.error)
        record(.toolCalled, agent: agent, data)
        return result
    }

    /// Applies a tool's effect on engine-owned state; returns why it could not be applied.
    private mutating func apply(_ effect: ToolEffect, agent: String, resume: Resume) -> String? {
        switch effect {
        case .memory(let update):
            return applyMemoryUpdate(update, agent: agent)?.message
        case .createAgent(let name, let document, let credits):
            return createAgent(name, document: document, credits: credits, creator: agent, creatorResume: resume)
        case .charge(let cost, let tokens, let purpose):
            // The call was made: it is paid even when the balance does not cover it (the next
            // reservation then fails, and the agent stops as budget_exhausted).
            guard cost.isFinite, cost >= 0, tokens >= 0 else { return "a tool reported an invalid cost" }
            updateLedger(agent) { account in
                account.balance = Credits.round(account.balance - cost)
                account.spent = Credits.round(account.spent + cost)
                account.tokensIn += tokens
            }
            record(
                .creditsChanged, agent: agent,
                [
                    "reason": .string(purpose), "amount": .double(-cost), "tokens": .int(tokens),
                    "balance": .double(state.ledger[agent]?.balance ?? 0),
                ])
            return nil
        }
    }

    /// Creates an agent for `creator` (DESIGN §7): a capability, a valid free name, a subset of the
    /// creator's permissions, and starting credits moved from the creator's balance. The agent's
    /// folder is written with the commit and it fires from the next tick on.
    private mutating func createAgent(
        _ name: String, document: JSONObject, credits: Double, creator: String, creatorResume: Resume
    ) -> String? {
        guard creatorResume.permissions.createAgents else { return "\(creator) may not create agents" }
        guard Names.isValidAgentName(name), name != Names.human else { return "'\(name)' is not a valid agent name" }
        guard context.agents[name] == nil, !createdAgents.contains(name), !FileSystem.exists(context.paths.agent(name))
        else { return "an agent named '\(name)' already exists" }
        guard credits >= 0, credits.isFinite, credits <= (state.ledger[creator]?.balance ?? 0) else {
            return "\(creator) cannot give \(credits) credits (balance \(state.ledger[creator]?.balance ?? 0))"
        }
        var resume = document
        resume["name"] = .string(name)
        var creditSettings = resume["credits"]?.objectValue ?? JSONObject()
        creditSettings["max_credits"] = .double(credits)
        resume["credits"] = .object(creditSettings)
        let file = "agents/\(name)/resume.json"
        let validator = ResumeValidator(
            context: .init(
                folderName: name, modelKeys: context.models.keys, knownTools: context.tools.names,
                knownAgents: Set(context.agents.keys).union(createdAgents).union([name])))
        let result = validator.validate(resume, file: file)
        guard let created = result.resume else {
            return "the new resume is invalid: " + result.errors.map(\.description).joined(separator: "; ")
        }
        if let excess = Self.excess(of: created.permissions, over: creatorResume.permissions, creator: creator) {
            return "an agent cannot get more than its creator has: \(excess)"
        }
        changes.files.append(.init(path: file, content: JSONWriter().bytes(.object(resume))))
        updateLedger(creator) { $0.balance = Credits.round($0.balance - credits) }
        state.ledger[name] = LedgerAccount(balance: credits)
        createdAgents.insert(name)
        record(.agentCreated, agent: creator, ["name": .string(name), "credits": .double(credits)])
        return nil
    }

    /// What `child` has that `parent` has not, or `nil` when it is a subset. The parent may let
    /// the child read its own outbox.
    static func excess(of child: Resume.Permissions, over parent: Resume.Permissions, creator: String) -> String? {
        if child.readsEveryone, !parent.readsEveryone { return "read_outboxes \"*\"" }
        if !parent.readsEveryone {
            let extra = child.readOutboxes.filter { !parent.readOutboxes.contains($0) && $0 != creator }
            if !extra.isEmpty { return "read_outboxes \(extra.joined(separator: ", "))" }
        }
        let granted = Set(parent.tools)
        let tools = child.tools.filter { !ToolPattern.isKnown($0, among: granted) }
        if !tools.isEmpty { return "tools \(tools.joined(separator: ", "))" }
        if child.createAgents, !parent.createAgents { return "create_agents" }
        return nil
    }

    // MARK: - Approvals

    /// Posts an `approval_request` to the human and keeps the call until the human answers.
    private mutating func requestApproval(_ call: ToolCall, agent: String) -> ToolResult {
        let arguments = JSONValue.object(call.arguments).compactText
        let shown = arguments.count > 500 ? String(arguments.prefix(500)) + "…" : arguments
        let draft = DraftEntry(
            kind: "approval_request",
            payload: [
                "text": .string("\(agent) asks to run \(call.tool) with \(shown). Approve or deny."),
                "tool": .string(call.tool), "args": .object(call.arguments),
            ],
            recipients: [Names.human], meta: ["source": "engine"])
        let (entry, _) = write(draft, author: agent)
        let pending = PendingApproval(requestID: entry.id.text, call: call, tick: tick)
        updateRuntime(agent) { $0.pendingApprovals.append(pending) }
        record(.approvalRequested, agent: agent, ["request": .string(entry.id.text), "tool": .string(call.tool)])
        return ToolResult(
            tool: call.tool, isSuccess: false,
            error: "waiting for the human's approval (request \(entry.id.text)); the result comes in a later turn")
    }

    /// Runs the calls the human approved, and answers those denied or expired (at tick start).
    /// Their results are shown in the agent's next turn.
    nonisolated(nonsending) mutating func resolveApprovals() async {
        let waiting = state.runtimes.agents.filter { !$0.value.pendingApprovals.isEmpty }.keys.sorted(
            by: Names.precedes)
        for agent in waiting {
            let pendingList = state.runtimes[agent].pendingApprovals
            for pending in pendingList {
                guard let decision = decision(on: pending) else { continue }
                var result: ToolResult
                switch decision {
                case .approved:
                    if let resume = context.agents[agent]?.resume {
                        result = await run(
                            pending.call, key: .approval(pending.requestID), agent: agent, resume: resume)
                    } else {
                        result = .failure(pending.call.tool, "approved, but \(agent)'s resume is no longer valid")
                    }
                case .denied(let reason):
                    result = .failure(pending.call.tool, "the human denied request \(pending.requestID)\(reason)")
                case .expired:
                    result = .failure(
                        pending.call.tool,
                        "request \(pending.requestID) expired after \(context.tools.approvalTimeoutTicks) ticks")
                }
                if case .approved = decision {} else { result.output = "" }
                updateRuntime(agent) { runtime in
                    runtime.pendingApprovals.removeAll { $0.requestID == pending.requestID }
                    runtime.pendingToolResults.append(result.json)
                }
                record(
                    .approvalResolved, agent: agent,
                    ["request": .string(pending.requestID), "decision": .string(decision.name)])
            }
        }
    }

    enum ApprovalDecision {
        case approved
        case denied(String)
        case expired

        var name: String {
            switch self {
            case .approved: return "approved"
            case .denied: return "denied"
            case .expired: return "expired"
            }
        }
    }

    /// The human's answer to a request: an entry of `human` of kind `approval` replying to it
    /// (`payload.decision` `approve` or `deny`), or expiry.
    private mutating func decision(on pending: PendingApproval) -> ApprovalDecision? {
        let from = EntryID(tick: pending.tick, agent: Names.human, sequence: 0)
        for id in state.outboxes.ids(of: Names.human, after: from) {
            guard let answer = entry(id), answer.kind == "approval", answer.replyTo == pending.requestID else {
                continue
            }
            if answer.payload["decision"]?.stringValue == "deny" {
                let reason = answer.payload["reason"]?.stringValue.map { ": \($0)" } ?? ""
                return .denied(reason)
            }
            return .approved
        }
        return tick - pending.tick > context.tools.approvalTimeoutTicks ? .expired : nil
    }
}
