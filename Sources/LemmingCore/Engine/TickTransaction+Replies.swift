import LemmingJSON

extension TickTransaction {
    /// Handles a reply the model gave but that cannot be used (see ``UnusableReply``): the input
    /// stays unread, the agent is told what happened in its next prompt, and after
    /// `limits.max_unusable_in_a_row` such replies in a row the agent is paused and the human told,
    /// so a stuck agent does not spend its credits forever.
    mutating func keepInputAfterUnusableReply(_ outcome: TurnOutcome, _ unusable: UnusableReply) {
        let agent = outcome.plan.agent
        let limit = context.config.replies.maxUnusableInARow
        updateRuntime(agent) { runtime in
            runtime.unusableReplies += 1
            runtime.feedback = ReplyProblems(tick: outcome.plan.tick, notice: unusable.notice, violations: [])
        }
        let count = state.runtimes[agent].unusableReplies
        guard count >= limit else { return }
        updateRuntime(agent) { runtime in
            runtime.isPaused = true
            runtime.pauseReason = .unusableReplies
        }
        record(.agentPaused, agent: agent, ["reason": .string(PauseReason.unusableReplies.rawValue)])
        postStatus(
            agent,
            "\(agent)'s last \(count) replies could not be used (the last: \(unusable.description)), so \(agent) "
                + "was paused; what it was asked is kept for its next turn. " + unusable.advice(for: agent),
            to: [Names.human], code: "unusable_replies")
    }
}
