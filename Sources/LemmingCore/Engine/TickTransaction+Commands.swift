import LemmingJSON

extension TickTransaction {
    /// Applies one control command; an impossible one is rejected with an event, never thrown.
    mutating func apply(_ command: ControlCommand, file: String?) {
        var data = command.json.objectValue ?? JSONObject()
        if let file { data["file"] = .string(file) }
        if let problem = problem(with: command) {
            data["error"] = .string(problem)
            record(.commandRejected, data)
            return
        }
        switch command {
        case .topUp(let agent, let amount):
            let softCap = context.agents[agent]?.resume?.credits.softCap ?? 0
            updateLedger(agent) { account in
                account.balance = Credits.round(account.balance + amount)
                account.exhaustionNotified = false
                if account.balance >= softCap { account.softCapWarned = false }
            }
            record(
                .creditsChanged, agent: agent,
                ["reason": "top_up", "amount": .double(amount), "balance": .double(state.ledger[agent]?.balance ?? 0)])
        case .pause(nil):
            state.tick.isPaused = true
            record(.enginePaused)
        case .pause(let agent?):
            updateRuntime(agent) { runtime in
                runtime.isPaused = true
                runtime.pauseReason = .byOperator
            }
            record(.agentPaused, agent: agent, ["reason": "operator"])
        case .resume(nil):
            state.tick.isPaused = false
            record(.engineResumed)
        case .resume(let agent?):
            updateRuntime(agent) { runtime in
                runtime.isPaused = false
                runtime.pauseReason = nil
                runtime.loop = LoopHistory()
                runtime.unusableReplies = 0
            }
            record(.agentResumed, agent: agent)
        case .send(let message):
            let draft = DraftEntry(
                kind: message.kind, payload: message.payload,
                recipients: message.recipients,
                priority: message.priority, replyTo: message.replyTo)
            write(draft, author: Names.human)
        }
        record(.commandApplied, data)
    }

    private func problem(with command: ControlCommand) -> String? {
        func isAgent(_ name: String) -> Bool { context.agents[name]?.hasResumeFile == true }
        switch command {
        case .topUp(let agent, let amount):
            if !isAgent(agent) { return "no agent named '\(agent)'" }
            if !(amount > 0 && amount.isFinite) { return "the amount must be a positive number" }
        case .pause(let agent?), .resume(let agent?):
            if !isAgent(agent) { return "no agent named '\(agent)'" }
        case .pause(nil), .resume(nil):
            return nil
        case .send(let message):
            if let unknown = message.recipients.first(where: { !isAgent($0) }) { return "no agent named '\(unknown)'" }
            if !Names.isValidKind(message.kind) { return "'\(message.kind)' is not a valid kind" }
            if message.text.isEmpty { return "the message is empty" }
        }
        return nil
    }
}
