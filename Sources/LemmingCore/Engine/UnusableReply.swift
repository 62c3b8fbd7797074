/// Why the model's answer could not be used (issue 11 item 7): the turn is charged, its input is
/// shown again, and the agent is told in its next prompt.
enum UnusableReply: Sendable, Equatable {
    /// The answer hit the token limit before its JSON object was complete.
    case cutOff(maxTokens: Int)
    /// The answer passed `limits.max_reply_bytes` and was not read further (`bytes`: as far as
    /// it was read).
    case tooLarge(bytes: Int?, limit: Int)
    /// A safety filter withheld the answer, or the model refused; with the provider's words.
    case refused(String?)
    /// No visible text; `reasoned`: the model only reasoned.
    case empty(reasoned: Bool)

    var stopReason: StopReason {
        switch self {
        case .cutOff, .tooLarge: return .truncated
        case .refused: return .refused
        case .empty: return .emptyReply
        }
    }

    /// For turn records, events and reports.
    var description: String {
        switch self {
        case .cutOff(let maxTokens):
            return "the reply was cut off before its JSON object was complete (the token limit is max_tokens "
                + "\(maxTokens))"
        case .tooLarge(let bytes, let limit):
            let size = bytes.map { "\($0) bytes, " } ?? ""
            return "the reply was too large (\(size)over limits.max_reply_bytes \(limit)) and was not used"
        case .refused(let words):
            return "the reply was refused or withheld by the provider's safety filter" + (words.map { ": \($0)" } ?? "")
        case .empty(let reasoned):
            return "the reply had no visible text" + (reasoned ? " (only reasoning)" : "")
        }
    }

    /// What the agent reads in its next prompt.
    var notice: String {
        switch self {
        case .cutOff(let maxTokens):
            return "Your last reply was cut off at the token limit (max_tokens \(maxTokens)) before it was complete, "
                + "so none of it was applied. Answer again, shorter: fewer and shorter entries, no preamble, only "
                + "the JSON object."
        case .tooLarge(_, let limit):
            return "Your last reply was longer than this organisation accepts (\(limit) bytes), so none of it was "
                + "applied. Answer again, much shorter: only the JSON object, with short entries."
        case .refused(let words):
            let said = words.map { " The provider said: \($0)" } ?? ""
            return "Your last reply was refused or withheld by the provider's safety filter, so nothing of it was "
                + "applied.\(said) Answer again within the provider's policies, or explain what you cannot do in "
                + "an entry."
        case .empty:
            return "Your last reply had no visible text (only reasoning, or nothing), so nothing was applied. "
                + "Answer with the JSON object itself."
        }
    }

    /// What the human is advised when the agent is paused for it.
    func advice(for agent: String) -> String {
        let resume = "Then `lemming resume \(agent)`."
        switch self {
        case .cutOff:
            return "Raise model.max_tokens in agents/\(agent)/resume.json, or lower the inbox limits in "
                + "lemming.json. \(resume)"
        case .tooLarge:
            return "Look at its last turns (`lemming logs \(agent)`): a model that repeats itself may need a lower "
                + "temperature or another model; limits.max_reply_bytes in lemming.json sets the cap. \(resume)"
        case .refused:
            return "Look at its last turns (`lemming logs \(agent)`) and what it was asked. \(resume)"
        case .empty:
            return "A reasoning model may spend all of max_tokens on reasoning: raise model.max_tokens in "
                + "agents/\(agent)/resume.json. \(resume)"
        }
    }
}
