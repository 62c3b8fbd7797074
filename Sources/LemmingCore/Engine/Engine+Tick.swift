import LemmingJSON
import Logging

extension Engine {
    /// Runs one tick (DESIGN §5.1): applies pending commands, runs the firing agents' turns and
    /// commits everything at once. While the engine is paused, only commands are applied.
    ///
    /// - Parameter writingFilesLater: commit the tick (its journal record is synced) but write its
    ///   files while the next tick runs, on another core. For callers that run ticks back to back;
    ///   ``writePendingFiles()`` or ``close()`` writes them otherwise. Recovery writes them after a crash.
    /// - Throws: ``LemmingError`` when the org's files cannot be written (the engine then stops),
    ///   `CancellationError` when the task was cancelled (nothing of the tick is committed).
    public func runTick(writingFilesLater: Bool = false) async throws -> TickReport {
        try checkUsable()
        let start = clock.monotonicNanoseconds()
        // The previous tick's files are written on another core while this tick prepares and runs
        // its turns; they must all be written before this tick commits.
        let previous = store.takePending()
        async let previousWritten = Self.write(previous)
        let prepared: Result<PreparedTick, any Error>
        do {
            prepared = .success(try await prepareTick(start: start))
        } catch {
            prepared = .failure(error)
        }
        if let failure = await previousWritten {
            isBroken = true
            logger.error("writing a committed tick failed; stopping", metadata: ["error": "\(failure)"])
            throw failure
        }
        var tick = try prepared.get()
        return try finish(&tick, deferringFiles: writingFilesLater)
    }

    /// Writes the files of a tick committed with `writingFilesLater`.
    public func writePendingFiles() throws {
        do {
            try store.applyPending()
        } catch {
            isBroken = true
            throw error
        }
    }

    /// A tick whose turns are staged, ready to commit.
    struct PreparedTick {
        var transaction: TickTransaction
        var turns: [TickReport.Turn]
        var skipped: [String: StopReason]
        var start: UInt64
        var isPaused: Bool
    }

    private nonisolated static func write(_ pending: FileOrgStore.PendingApply?) -> (any Error)? {
        do {
            try pending?.run(parallel: false)
            return nil
        } catch {
            return error
        }
    }

    /// Applies pending commands, picks the firing agents, runs their turns and stages the results.
    private func prepareTick(start: UInt64) async throws -> PreparedTick {
        try refresh()
        var transaction = makeTransaction(label: "tick")
        transaction.openAccounts()
        for (file, parsed) in try store.pendingCommands() {
            switch parsed {
            case .success(let command):
                transaction.apply(command, file: file)
            case .failure(let error):
                transaction.emit(.commandRejected, ["file": .string(file), "error": .string(error.description)])
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
        transaction.emit(.tickStarted, startData)
        await transaction.resolveApprovals()
        transaction.archiveOldEntries()
        let executor = TurnExecutor(clock: clock)
        var turns: [TickReport.Turn] = []
        switch config.execution {
        case .sequential:
            for resume in firing {
                let plan = transaction.plan(
                    agent: resume.name, resume: resume, choice: providerChoice(for: resume),
                    frame: promptFrame(for: resume, in: transaction), org: paths)
                await record(await executor.execute(plan), into: &transaction, turns: &turns)
            }
        case .parallel:
            var plans: [TurnPlan] = []
            for resume in firing {
                let frame = promptFrame(for: resume, in: transaction)
                plans.append(
                    transaction.plan(
                        agent: resume.name, resume: resume, choice: providerChoice(for: resume), frame: frame,
                        org: paths))
            }
            let limit = config.maxConcurrentTurns
            await withTaskGroup(of: (Int, TurnOutcome).self) { group in
                var next = 0
                var ready: [Int: TurnOutcome] = [:]
                var staged = 0
                while next < plans.count && next < limit {
                    let index = next
                    let plan = plans[index]
                    group.addTask { (index, await executor.execute(plan)) }
                    next += 1
                }
                for await (index, outcome) in group {
                    ready[index] = outcome
                    if next < plans.count {
                        let newIndex = next
                        let plan = plans[newIndex]
                        group.addTask { (newIndex, await executor.execute(plan)) }
                        next += 1
                    }
                    // Stage in firing order as soon as every earlier turn is done.
                    while let outcome = ready.removeValue(forKey: staged) {
                        await record(outcome, into: &transaction, turns: &turns)
                        staged += 1
                    }
                }
            }
        }
        return PreparedTick(transaction: transaction, turns: turns, skipped: skipped, start: start, isPaused: false)
    }

    /// Stages a finished turn (running its tool calls) and notes it for the tick's report.
    private func record(
        _ outcome: TurnOutcome, into transaction: inout TickTransaction, turns: inout [TickReport.Turn]
    )
        async
    {
        let agent = outcome.plan.agent
        let before = transaction.changes.entries.count
        let costBefore = transaction.state.ledger[agent]?.spent ?? 0
        await transaction.stage(outcome)
        let spent = (transaction.state.ledger[agent]?.spent ?? 0) - costBefore
        turns.append(
            TickReport.Turn(
                agent: agent, stopReason: transaction.state.runtimes[agent].lastStopReason ?? outcome.stopReason,
                entries: transaction.changes.entries.count - before, cost: Credits.round(spent), error: outcome.error))
    }

    /// Commits a prepared tick (its files are written during the next tick, or at close).
    private func finish(_ prepared: inout PreparedTick, deferringFiles: Bool) throws -> TickReport {
        let tick = prepared.transaction.tick
        guard !prepared.isPaused else {
            if !prepared.transaction.changes.consumedCommands.isEmpty {
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
        prepared.transaction.emitAfterCommit(
            .tickFinished,
            [
                "turns": .int(turns.count), "entries": .int(prepared.transaction.entriesWritten), "cost": .double(cost),
                "failures": .int(turns.filter { $0.stopReason == .providerFailed }.count),
                "duration_ms": .double(duration),
            ])
        try Task.checkCancellation()
        try commit(&prepared.transaction, advanceTick: true, deferringFiles: deferringFiles)
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
            if !resume.isEnabled {
                skipped[name] = .disabled
            } else if state.runtimes[name].isPaused {
                skipped[name] =
                    state.runtimes[name].pauseReason == StopReason.loopDetected.rawValue ? .loopDetected : .paused
            } else if state.ledger[name]?.exhaustionNotified == true {
                skipped[name] = .budgetExhausted
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

    /// The fixed part of an agent's prompt, rendered once per change of resumes, graph or config.
    func promptFrame(for resume: Resume, in transaction: TickTransaction) -> TickTransaction.PromptFrame {
        if let frame = promptFrames[resume.name] { return frame }
        let frame = transaction.promptFrame(agent: resume.name, resume: resume)
        promptFrames[resume.name] = frame
        return frame
    }

    /// The model entry and provider of a resume's model key (providers are made once and reused).
    func providerChoice(for resume: Resume) -> TickTransaction.ProviderChoice {
        let key = resume.model.key
        guard let entry = registry[key] else {
            return .init(
                registry: registry, model: nil, provider: nil, problem: "model '\(key)' is not in the model registry")
        }
        if let cached = providerCache[key] {
            return .init(registry: registry, model: entry, provider: cached, problem: nil)
        }
        do {
            let provider = try providers.makeProvider(for: entry, registry: registry, org: paths)
            providerCache[key] = provider
            return .init(registry: registry, model: entry, provider: provider, problem: nil)
        } catch {
            return .init(registry: registry, model: entry, provider: nil, problem: "models.json: \(key): \(error)")
        }
    }

    /// Whether any agent that can still run has something new to read or tool results to see.
    public func hasPendingInput() -> Bool {
        var transaction = makeTransaction(label: "probe", bus: EventBus(sinks: []))
        for (name, record) in agents where name != Names.human {
            guard let resume = record.resume, resume.isEnabled, !transaction.state.runtimes[name].isPaused,
                transaction.state.ledger[name]?.exhaustionNotified != true
            else { continue }
            if !transaction.state.runtimes[name].pendingToolResults.isEmpty { return true }
            if transaction.hasPendingInput(name) { return true }
        }
        return false
    }
}
