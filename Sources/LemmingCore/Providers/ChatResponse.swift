/// A model's answer.
///
/// A provider returns a response, not an error, whenever the model answered, even when the answer
/// is unusable (cut off, refused, empty): the tokens were spent and are charged, and the engine
/// decides what the turn's outcome is from ``finish``, ``text`` and ``refusal``.
public struct ChatResponse: Sendable, Equatable {
    /// Why the model stopped, in the engine's terms (each provider maps its own vocabulary).
    public enum Finish: String, Sendable, Equatable {
        /// It finished its answer (OpenAI `stop`, Anthropic `end_turn`, Gemini `STOP`, Ollama `stop`),
        /// or the provider did not say.
        case complete
        /// It hit the token limit (OpenAI and Ollama `length`, Anthropic `max_tokens`, Gemini
        /// `MAX_TOKENS`): the text is cut off.
        case truncated
        /// A safety filter withheld or stopped the answer, or the model refused (OpenAI
        /// `content_filter` or `message.refusal`, Anthropic `refusal`, Gemini `SAFETY`,
        /// `RECITATION`, `PROHIBITED_CONTENT`, a `promptFeedback.blockReason`).
        case refused
    }

    /// The answer's text: only the visible content, never the model's reasoning. May be empty.
    public var text: String
    /// The tokens the call used; `nil` when the provider did not say (the engine then estimates).
    public var usage: TokenUsage?
    /// `stop`, `length`, … as the provider says; `nil` when it says nothing.
    public var finishReason: String?
    /// ``finishReason`` in the engine's terms.
    public var finish: Finish
    /// What a reasoning model thought before answering (`reasoning_content`, `reasoning`,
    /// Anthropic `thinking` blocks, Gemini thought parts), kept for the turn record; never parsed as
    /// the reply.
    public var reasoning: String?
    /// The provider's explanation when it refused or filtered the answer, if it gave one.
    public var refusal: String?
    /// The registry key of the model that answered, when a fallback model did (`nil`: the one asked).
    public var servedBy: String?

    /// A response with `text`; the rest defaults to unknown and `complete`.
    public init(
        text: String,
        usage: TokenUsage? = nil,
        finishReason: String? = nil,
        finish: Finish = .complete,
        reasoning: String? = nil,
        refusal: String? = nil,
        servedBy: String? = nil
    ) {
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
        self.finish = finish
        self.reasoning = reasoning
        self.refusal = refusal
        self.servedBy = servedBy
    }
}
