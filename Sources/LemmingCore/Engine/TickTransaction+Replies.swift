import LemmingJSON

extension TickTransaction {
    /// Handles a reply the model gave but that cannot be used (cut off at the token limit,
    /// withheld by a safety filter, or empty): the input stays unread, the agent is told what
    /// happened in its next prompt, and after `limits.max_unusable_in_a_row` such replies in a row
    /// the agent is paused and the human told, so a stuck agent does not spend its credits forever.
    mutating func keepInputAfterUnusableReply(_ outcome: TurnOutcome, reason: StopReason) {
        let agent = outcome.plan.agent
        let limit = context.config.replies.maxUnusableInARow
        updateRuntime(agent) { runtime in
            runtime.unusableReplies += 1
            runtime.feedback = TurnFeedback(notice: Self.notice(for: reason, outcome: outcome))
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
            "\(agent)'s last \(count) replies could not be used (\(Self.summary(of: reason, outcome: outcome))), "
                + "so \(agent) was paused; what it was asked is kept for its next turn. "
                + Self.advice(for: reason, agent: agent),
            to: [Names.human], code: "unusable_replies")
    }

    /// What the agent reads in its next prompt.
    static func notice(for reason: StopReason, outcome: TurnOutcome) -> String {
        switch reason {
        case .truncated:
            return "Your last reply was cut off at the token limit (max_tokens "
                + "\(outcome.plan.resume.model.maxTokens)) before it was complete, so none of it was applied. "
                + "Answer again, shorter: fewer and shorter entries, no preamble, only the JSON object."
        case .refused:
            let said = outcome.response?.refusal.map { " The provider said: \($0)" } ?? ""
            return "Your last reply was refused or withheld by the provider's safety filter, so nothing of it was "
                + "applied.\(said) Answer again within the provider's policies, or explain what you cannot do "
                + "in an entry."
        default:
            return "Your last reply had no visible text (only reasoning, or nothing), so nothing was applied. "
                + "Answer with the JSON object itself."
        }
    }

    private static func summary(of reason: StopReason, outcome: TurnOutcome) -> String {
        switch reason {
        case .truncated: return "cut off at max_tokens \(outcome.plan.resume.model.maxTokens)"
        case .refused: return "refused or withheld by the provider's safety filter"
        default: return "no visible text"
        }
    }

    private static func advice(for reason: StopReason, agent: String) -> String {
        let resume = "Then `lemming resume \(agent)`."
        switch reason {
        case .truncated:
            return "Raise model.max_tokens in agents/\(agent)/resume.json, or lower the inbox limits in "
                + "lemming.json. \(resume)"
        case .refused:
            return "Look at its last turns (`lemming logs \(agent)`) and what it was asked. \(resume)"
        default:
            return "A reasoning model may spend all of max_tokens on reasoning: raise model.max_tokens in "
                + "agents/\(agent)/resume.json. \(resume)"
        }
    }
}
