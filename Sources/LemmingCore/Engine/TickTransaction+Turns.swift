import LemmingJSON

extension TickTransaction {
    // MARK: - Planning

    /// Fixes what `agent` sees this turn (its inbox from the current state) and publishes `turn_started`.
    mutating func plan(
        agent: String,
        resume: Resume,
        choice: TurnPlanner.ProviderChoice,
        frame: TurnPlanner.PromptFrame,
        org: OrgPaths
    ) -> TurnPlan {
        let inbox = buildInbox(for: agent)
        let runtime = state.runtimes[agent]
        var prompt = PromptBuilder.Input(
            orgName: context.config.name,
            resume: resume,
            tick: tick,
            canRead: frame.canRead,
            readers: frame.readers,
            memory: state.memory[agent]?.mostRecentFirst ?? [],
            memoryCharacters: context.config.memory.promptCharacters,
            toolResults: runtime.pendingToolResults.map(ToolResult.init(json:)),
            tools: context.tools.descriptions(of: resume.permissions.tools),
            inbox: inbox
        )
        prompt.systemMessage = frame.systemMessage
        if !context.tools.sources.isEmpty {
            prompt.unavailableTools = resume.permissions.tools.compactMap { pattern in
                guard context.tools[pattern] == nil, let problem = context.tools.problem(with: pattern) else {
                    return nil
                }
                return (pattern, problem)
            }
        }
        prompt.previousProblems = runtime.feedback
        record(.turnStarted, agent: agent, ["inbox": .int(inbox.entries.count), "model": .string(resume.model.key)])
        return TurnPlan(
            agent: agent, tick: tick, resume: resume, model: choice.model, registry: context.models,
            provider: choice.provider,
            providerProblem: choice.problem, balance: state.ledger[agent]?.balance ?? 0, prompt: prompt,
            systemMessageJSON: frame.systemMessageJSON, org: org, replyLimits: context.config.replies,
            startedAt: now, recordedReply: context.recorded?.replies[agent],
            recordsReply: choice.model.map { !["scripted", "cassette"].contains($0.provider) } ?? false)
    }

    /// The inbox of `agent` from the current state; entries read from disk join the cache.
    mutating func buildInbox(for agent: String) -> Inbox {
        let sources = context.graph.sources(of: agent, among: state.outboxes.authors)
        var loaded: [OutboxEntry] = []
        var failures: [(EntryID, LemmingError)] = []
        let outboxes = state.outboxes
        let readEntry = context.readEntry
        let staged = self.staged
        let inbox = InboxBuilder(limits: context.config.inbox).build(
            reader: agent, sources: sources, cursors: state.cursors.positions[agent] ?? [:], index: outboxes
        ) { id in
            if let written = staged[id] { return written }
            if let cached = outboxes.cached(id) { return cached }
            if outboxes.unreadable.contains(id) { return nil }
            switch readEntry(id) {
            case .success(let found):
                loaded.append(found)
                return found
            case .failure(let error):
                failures.append((id, error))
                return nil
            }
        }
        for found in loaded { outboxes.cache(found) }
        for (id, _) in failures where !state.outboxes.unreadable.contains(id) {
            _ = entry(id)
        }
        return inbox
    }

    /// Whether `agent` has anything new addressed to it (for `--until-idle`).
    mutating func hasPendingInput(_ agent: String) -> Bool {
        !buildInbox(for: agent).isEmpty
    }

    // MARK: - Staging

    /// Applies a finished turn to the state, in firing order (DESIGN §5.6), runs its tool calls,
    /// and records its events.
    ///
    /// - Returns: what the turn did, for the tick's report.
    nonisolated(nonsending) mutating func stage(_ outcome: TurnOutcome) async -> TickReport.Turn {
        var outcome = outcome
        let plan = outcome.plan
        let agent = plan.agent
        let tick = self.tick
        var stopReason = outcome.stopReason
        var violations = outcome.reply?.violations ?? []
        if let problem = outcome.unrecorded {
            record(.outcomeUnrecorded, agent: agent, ["error": .string(problem)])
        }
        var written: [EntryID] = []
        var cost = 0.0
        switch stopReason {
        case .noNewInput:
            moveCursors(reader: agent, to: plan.inbox.cursors)
            updateRuntime(agent) { runtime in
                runtime.lastTick = tick
                runtime.lastStopReason = .noNewInput
            }
            record(.turnSkipped, agent: agent, ["reason": .string(StopReason.noNewInput.rawValue)])
            return TickReport.Turn(agent: agent, stopReason: .noNewInput, entries: 0, cost: 0, error: nil)
        case .budgetExhausted:
            let balance = state.ledger[agent]?.balance ?? 0
            record(.budgetExhausted, agent: agent, ["balance": .double(balance), "needed": .double(outcome.reserved)])
            if state.ledger[agent]?.exhaustionNotified != true {
                updateLedger(agent) { $0.exhaustionNotified = true }
                postStatus(
                    agent,
                    "\(agent) is out of credits: the balance \(format(balance)) cannot cover the next call "
                        + "(up to \(format(outcome.reserved))). Top up to continue.",
                    code: "budget_exhausted")
            }
        case .providerFailed:
            cost = charge(agent, outcome.usage, outcome.servedModel?.pricing ?? .free, failed: true)
        case .truncated, .refused, .emptyReply:
            // The model answered and the provider bills it, but nothing of it can be used: the
            // input is shown again next turn, with a word on what went wrong.
            cost = charge(agent, outcome.usage, outcome.servedModel?.pricing ?? .free, failed: false)
            keepInputAfterUnusableReply(outcome, outcome.unusable ?? .empty(reasoned: false))
        case .completed, .loopDetected:
            cost = charge(agent, outcome.usage, outcome.servedModel?.pricing ?? .free, failed: false)
            moveCursors(reader: agent, to: plan.inbox.cursors)
            let reply = outcome.reply ?? ParsedReply()
            var loop: LoopVerdict?
            let detector = LoopDetector(repeatLimit: context.config.loopRepeatLimit)
            updateRuntime(agent) { runtime in
                if detector.repeatLimit > 0 {
                    loop = detector.observe(
                        reply, inbox: plan.inbox.entries, toolResults: plan.prompt.toolResults, tick: tick,
                        history: &runtime.loop)
                } else if !runtime.loop.isEmpty {
                    runtime.loop = LoopHistory()  // detection is off: nothing to remember
                }
                runtime.pendingToolResults = []
                runtime.unusableReplies = 0
            }
            if let loop {
                stopReason = .loopDetected
                pauseForLoop(agent, loop)
            } else {
                written = applyActions(reply, outcome: outcome, violations: &violations)
                outcome.toolResults = await runToolCalls(reply.toolCalls, agent: agent, resume: plan.resume)
                updateRuntime(agent) { $0.pendingToolResults = outcome.toolResults.map(\.json) }
            }
            let feedback = violations.isEmpty ? nil : ReplyProblems(tick: tick, violations: violations)
            updateRuntime(agent) { $0.feedback = feedback }
        case .paused, .disabled, .invalidResume:
            break
        }
        updateRuntime(agent) { runtime in
            runtime.lastTick = tick
            runtime.lastStopReason = stopReason
        }
        for violation in violations {
            record(
                .violation, agent: agent,
                [
                    "code": .string(violation.code), "field": .string(violation.field),
                    "message": .string(violation.message),
                ])
        }
        changes.turnLines.append(
            TickChanges.TurnLines(
                agent: agent,
                bytes: TurnRecord.line(
                    outcome, stopReason: stopReason, violations: violations, entries: written, cost: cost),
                summary: TurnSummary(
                    tick: plan.tick, stopReason: stopReason, startedAt: plan.startedAt, error: outcome.error,
                    reply: outcome.reply, violations: violations, toolResults: outcome.toolResults)))
        var data: JSONObject = [
            "stop_reason": .string(stopReason.rawValue), "entries": .int(written.count), "cost": .double(cost),
            "balance": .double(state.ledger[agent]?.balance ?? 0), "duration_ms": .double(outcome.totalMilliseconds),
            "provider_ms": .double(outcome.providerMilliseconds), "input_tokens": .int(outcome.usage.inputTokens),
            "output_tokens": .int(outcome.usage.outputTokens),
        ]
        if let tokens = outcome.usage.cacheReadTokens { data["cache_read_input_tokens"] = .int(tokens) }
        if let tokens = outcome.usage.cacheWriteTokens { data["cache_creation_input_tokens"] = .int(tokens) }
        if let error = outcome.error { data["error"] = .string(error) }
        record(stopReason.isFailure ? .turnFailed : .turnFinished, agent: agent, data)
        return TickReport.Turn(
            agent: agent, stopReason: stopReason, entries: written.count, cost: Credits.round(cost),
            error: outcome.error)
    }

    /// Writes the entries and applies the memory updates of a reply.
    private mutating func applyActions(
        _ reply: ParsedReply,
        outcome: TurnOutcome,
        violations: inout [ContractViolation]
    ) -> [EntryID] {
        let agent = outcome.plan.agent
        var written: [EntryID] = []
        for (position, draft) in reply.entries.enumerated() {
            let (entry, violation) = write(draft, author: agent)
            written.append(entry.id)
            if var violation {
                violation.field = "outbox_entries[\(position)].\(violation.field)"
                violations.append(violation)
            }
        }
        for (position, update) in reply.memoryUpdates.enumerated() {
            if let refusal = applyMemoryUpdate(update, agent: agent) {
                violations.append(
                    ContractViolation(refusal.code, field: "memory_updates[\(position)]", refusal.message))
            }
        }
        return written
    }

    /// Applies one memory update of `agent` under the caps.
    ///
    /// - Returns: the refusal when the update breaks a cap or cannot merge.
    mutating func applyMemoryUpdate(_ update: MemoryUpdate, agent: String) -> MemoryBook.Refusal? {
        var book = state.memory[agent] ?? MemoryBook()
        do {
            let change = try book.apply(
                key: update.key, operation: update.operation, value: update.value, tick: tick, timestamp: now,
                limits: context.config.memory)
            state.memory[agent] = book
            switch change {
            case .stored(let stored):
                changes.memory.append(.init(agent: agent, key: stored.key, record: stored))
                record(
                    .memoryUpdated, agent: agent,
                    ["key": .string(stored.key), "op": .string(update.operation.rawValue)])
            case .deleted(let key):
                changes.memory.append(.init(agent: agent, key: key, record: nil))
                record(.memoryUpdated, agent: agent, ["key": .string(key), "op": "delete"])
            case .unchanged:
                break
            }
            return nil
        } catch {
            return error
        }
    }

    private mutating func pauseForLoop(_ agent: String, _ verdict: LoopVerdict) {
        updateRuntime(agent) { runtime in
            runtime.isPaused = true
            runtime.pauseReason = .loopDetected
        }
        record(.loopDetected, agent: agent, verdict.json.objectValue ?? JSONObject())
        record(.agentPaused, agent: agent, ["reason": .string(PauseReason.loopDetected.rawValue)])
        postStatus(
            agent,
            verdict.summary(agent: agent) + " It was paused, and its last actions were not applied. "
                + "Resume it with `lemming resume \(agent)`.",
            to: [Names.human], code: "loop_detected", meta: ["loop": verdict.json])
    }

    /// Settles a call's cost, and warns once when the balance falls below the soft cap.
    /// A failed call is charged only for the tokens the provider reported (DESIGN §4.4).
    mutating func charge(_ agent: String, _ usage: TokenUsage, _ pricing: Pricing, failed: Bool) -> Double {
        var pricing = pricing
        if failed { pricing.perCall = 0 }
        let cost = pricing.cost(usage)
        updateLedger(agent) { account in
            account.balance = Credits.round(account.balance - cost)
            account.spent = Credits.round(account.spent + cost)
            account.tokensIn += usage.inputTokens
            account.tokensOut += usage.outputTokens
            account.tokensCacheRead += usage.cacheReadTokens ?? 0
            account.tokensCacheWrite += usage.cacheWriteTokens ?? 0
            account.turns += 1
        }
        guard let account = state.ledger[agent] else { return cost }
        // The cost and the new balance travel in turn_finished; credits_changed is for top-ups.
        let softCap = context.agents[agent]?.resume?.credits.softCap ?? 0
        if account.balance < softCap, !account.softCapWarned {
            updateLedger(agent) { $0.softCapWarned = true }
            record(.softCapWarning, agent: agent, ["balance": .double(account.balance), "soft_cap": .double(softCap)])
            postStatus(
                agent,
                "\(agent) is low on credits: \(format(account.balance)) left (warning level \(format(softCap))).",
                code: "soft_cap")
        }
        return cost
    }

    func format(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return String(rounded)
    }
}
