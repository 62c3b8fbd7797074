import LemmingJSON

/// Runs one planned turn: prompt, budget check, model call, reply parsing (the tick runs the
/// reply's tool calls when it stages the turn).
///
/// It reads only its ``TurnPlan`` and writes nothing; the tick commits its ``TurnOutcome``.
struct TurnExecutor: Sendable {
    var clock: any WallClock

    func execute(_ plan: TurnPlan) async -> TurnOutcome {
        let start = clock.monotonicNanoseconds()
        var outcome = TurnOutcome(plan: plan, stopReason: .completed)
        if plan.resume.schedule.skipWhenIdle, plan.inbox.isEmpty, plan.prompt.toolResults.isEmpty {
            outcome.stopReason = .noNewInput
            return outcome
        }
        let messages = PromptBuilder().messages(for: plan.prompt)
        outcome.messages = messages
        guard let model = plan.model, let provider = plan.provider else {
            outcome.stopReason = .providerFailed
            outcome.error = plan.providerProblem ?? "no provider for model '\(plan.resume.model.key)'"
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        }
        // Reserve for the dearest model of the fallback chain, which may end up answering.
        let chain = [model] + model.fallback.compactMap { plan.registry[$0] }
        let pricing = chain.map(\.pricing).max { $0.worstCase(plan) < $1.worstCase(plan) } ?? model.pricing
        let reservation = pricing.cost(
            inputTokens: TokenEstimator.tokens(in: messages), outputTokens: plan.resume.model.maxTokens)
        outcome.reserved = reservation
        guard reservation == 0 || plan.balance >= reservation else {
            outcome.stopReason = .budgetExhausted
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        }
        let request = ChatRequest(
            agent: plan.agent, tick: plan.tick, modelKey: model.key, model: model.model, messages: messages,
            temperature: plan.resume.model.temperature, maxTokens: plan.resume.model.maxTokens,
            responseSchema: PromptBuilder.replySchema,
            context: TurnContext(
                agent: plan.agent, tick: plan.tick, inbox: plan.inbox.entries, readers: plan.prompt.readers))
        let callStart = clock.monotonicNanoseconds()
        do {
            let response =
                model.options["stream"]?.boolValue == true
                ? try await provider.stream(request) { _ in }
                : try await provider.complete(request)
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            outcome.response = response
            outcome.usage =
                response.usage
                ?? TokenUsage(
                    inputTokens: TokenEstimator.tokens(in: messages),
                    outputTokens: TokenEstimator.tokens(in: response.text), isEstimated: true)
            let reply = ReplyParser(limits: plan.replyLimits).parse(response.text)
            outcome.reply = reply
            outcome.stopReason = Self.stopReason(of: response, reply: reply)
            if outcome.stopReason == .completed { outcome.toolCalls = reply.toolCalls }
        } catch let error as ProviderError {
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            outcome.stopReason = .providerFailed
            outcome.error = error.description
            outcome.usage = error.usage ?? .zero
        } catch is CancellationError {
            outcome.stopReason = .providerFailed
            outcome.error = "cancelled"
        } catch {
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            outcome.stopReason = .providerFailed
            outcome.error = "unexpected provider error: \(error)"
        }
        outcome.totalMilliseconds = clock.milliseconds(since: start)
        return outcome
    }
}

extension TurnExecutor {
    /// Whether a reply can be used (issue 11 item 7): a refusal, a reply with no visible text, and
    /// a reply cut off before its JSON object was complete cannot; a reply that hit the token limit
    /// after a complete object can.
    static func stopReason(of response: ChatResponse, reply: ParsedReply) -> StopReason {
        if response.finish == .refused { return .refused }
        if response.text.allSatisfy(\.isWhitespace) { return .emptyReply }
        if response.finish == .truncated, !reply.holdsReplyObject { return .truncated }
        return .completed
    }
}

extension ParsedReply {
    /// Whether the text held a JSON object to read the reply from.
    var holdsReplyObject: Bool {
        !violations.contains { $0.code == "not_json" || $0.code == "not_object" }
    }
}

extension Pricing {
    /// A comparable worst case for a turn (the prompt's length is the same for every model).
    fileprivate func worstCase(_ plan: TurnPlan) -> Double {
        cost(inputTokens: 1_000, outputTokens: plan.resume.model.maxTokens)
    }
}
