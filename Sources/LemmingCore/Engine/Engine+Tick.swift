import LemmingJSON
import Logging

extension Engine {
    /// Runs one tick (DESIGN §5.1): applies pending commands, runs the firing agents' turns and
    /// commits everything at once. While the engine is paused, only commands are applied.
    ///
    /// With ``Configuration/writesFilesBehind`` the tick's files (and its events) follow on
    /// another thread while the caller goes on; ``flush()`` and ``close()`` wait for them.
    ///
    /// - Throws: ``LemmingError`` when the org's files cannot be written (the engine then stops),
    ///   `.conflict` when a tick is already running on this engine, `CancellationError` when the task
    ///   was cancelled (nothing of the tick is committed).
    public func runTick() async throws -> TickReport {
        try checkUsable()
        isTicking = true
        defer { isTicking = false }
        let start = clock.monotonicNanoseconds()
        var prepared = try await prepareTick(start: start)
        return try finish(&prepared)
    }

    /// A tick whose turns are staged, ready to commit.
    struct PreparedTick {
        var transaction: TickTransaction
        var turns: [TickReport.Turn]
        var skipped: [String: StopReason]
        var start: UInt64
        var isPaused: Bool
    }

    /// Applies pending commands, picks the firing agents, runs their turns and stages the results.
    private func prepareTick(start: UInt64) async throws -> PreparedTick {
        try refresh()
        let recorded = RecordedOutcomes(
            tick: state.tick.nextTick, records: try outcomes.begin(tick: state.tick.nextTick))
        interruptedTick = recorded.isEmpty ? nil : recorded
        var transaction = makeTransaction(label: "tick")
        transaction.openAccounts()
        for (file, parsed) in try store.pendingCommands() {
            switch parsed {
            case .success(let command):
                transaction.apply(command, file: file)
            case .failure(let error):
                transaction.record(.commandRejected, ["file": .string(file), "error": .string(error.description)])
            }
            transaction.changes.consumedCommands.append(file)
        }
        let tick = transaction.tick
        guard !transaction.state.tick.isPaused else {
            return PreparedTick(transaction: transaction, turns: [], skipped: [:], start: start, isPaused: true)
        }
        let (firing, skipped) = firingAgents(at: tick, state: transaction.state)
        var startData: JSONObject = ["firing": .strings(firing.map(\.name))]
        if !skipped.isEmpty {
            var skippedData = JSONObject()
            for name in skipped.keys.sorted(by: Names.precedes) {
                skippedData[name] = .string(skipped[name]?.rawValue ?? "")
            }
            startData["skipped"] = .object(skippedData)
        }
        transaction.record(.tickStarted, startData)
        // MCP servers start (and list their tools) before the prompts that show them are built.
        if !tools.sources.isEmpty { await tools.prepare(for: firing.flatMap(\.permissions.tools)) }
        await transaction.resolveApprovals()
        transaction.archiveOldEntries()
        let executor = TurnExecutor(clock: clock, outcomes: outcomes)
        var turns: [TickReport.Turn] = []
        switch config.execution {
        case .sequential:
            for resume in firing {
                let plan = planner.plan(resume, in: &transaction)
                turns.append(await transaction.stage(await executor.execute(plan)))
            }
        case .parallel:
            let limit = config.maxConcurrentTurns
            await withTaskGroup(of: (Int, TurnOutcome).self) { group in
                // Every turn is planned before any is staged (plans see the tick as it began), but
                // each call goes out as soon as its turn is planned: with a thousand agents the
                // planning of the last overlaps the first calls.
                var plans: [TurnPlan] = []
                plans.reserveCapacity(firing.count)
                for resume in firing {
                    let index = plans.count
                    let plan = planner.plan(resume, in: &transaction)
                    plans.append(plan)
                    if index < limit { group.addTask { (index, await executor.execute(plan)) } }
                }
                var next = min(plans.count, limit)
                var ready: [Int: TurnOutcome] = [:]
                var staged = 0
                for await (index, outcome) in group {
                    ready[index] = outcome
                    writeProviderHealthDuringTick()
                    if next < plans.count {
                        let newIndex = next
                        let plan = plans[newIndex]
                        group.addTask { (newIndex, await executor.execute(plan)) }
                        next += 1
                    }
                    // Stage in firing order as soon as every earlier turn is done.
                    while let outcome = ready.removeValue(forKey: staged) {
                        turns.append(await transaction.stage(outcome))
                        staged += 1
                    }
                }
            }
        }
        return PreparedTick(transaction: transaction, turns: turns, skipped: skipped, start: start, isPaused: false)
    }

    /// Commits a prepared tick.
    private func finish(_ prepared: inout PreparedTick) throws -> TickReport {
        let tick = prepared.transaction.tick
        guard !prepared.isPaused else {
            if !prepared.transaction.changes.consumedCommands.isEmpty || !pendingEvents.isEmpty {
                try commit(&prepared.transaction, advanceTick: false)
            }
            return TickReport(
                tick: tick, wasPaused: true, turns: [], skipped: [:],
                entriesWritten: prepared.transaction.entriesWritten,
                cost: 0, durationMilliseconds: clock.milliseconds(since: prepared.start))
        }
        let turns = prepared.turns
        let cost = Credits.round(turns.reduce(0) { $0 + $1.cost })
        let duration = clock.milliseconds(since: prepared.start)
        prepared.transaction.record(
            .tickFinished,
            [
                "turns": .int(turns.count), "entries": .int(prepared.transaction.entriesWritten), "cost": .double(cost),
                "failures": .int(turns.filter(\.stopReason.isFailure).count),
                "duration_ms": .double(duration),
            ])
        try Task.checkCancellation()
        try commit(&prepared.transaction, advanceTick: true)
        interruptedTick = nil
        state.outboxes.evict(before: tick - entryCacheTicks)
        writeProviderHealth()
        logger.debug("tick committed", metadata: ["tick": "\(tick)", "turns": "\(turns.count)"])
        return TickReport(
            tick: tick, wasPaused: false, turns: turns, skipped: prepared.skipped,
            entriesWritten: prepared.transaction.entriesWritten, cost: cost, durationMilliseconds: duration)
    }

    /// The agents that fire at `tick`, in `(fire_point, name)` order, and those skipped with why.
    func firingAgents(at tick: Int, state: EngineState) -> ([Resume], [String: StopReason]) {
        var firing: [Resume] = []
        var skipped: [String: StopReason] = [:]
        for (name, record) in agents where name != Names.human {
            guard let resume = record.resume else {
                if record.hasResumeFile { skipped[name] = .invalidResume }
                continue
            }
            guard resume.schedule.fires(at: tick) else { continue }
            let agentState = AgentState(resume: resume, runtime: state.runtimes[name], account: state.ledger[name])
            if let reason = agentState.stopReason {
                skipped[name] = reason
            } else {
                firing.append(resume)
            }
        }
        // Sort indices, not resumes: resumes are large values and would be copied at every swap.
        let order = firing.indices.sorted {
            Schedule.firesBefore(firing[$0].schedule, firing[$0].name, firing[$1].schedule, firing[$1].name)
        }
        return (order.map { firing[$0] }, skipped)
    }

    /// Whether any agent that can still run has something new to read or tool results to see.
    public func hasPendingInput() -> Bool {
        var transaction = makeTransaction(label: "probe")
        for (name, record) in agents where name != Names.human {
            let runtime = transaction.state.runtimes[name]
            let agentState = AgentState(
                resume: record.resume, runtime: runtime, account: transaction.state.ledger[name])
            guard agentState.isActive else { continue }
            if !runtime.pendingToolResults.isEmpty { return true }
            if transaction.hasPendingInput(name) { return true }
        }
        return false
    }
}
