import LemmingJSON

/// Runs one planned turn: prompt, budget check, model call, reply parsing (the tick runs the
/// reply's tool calls when it stages the turn).
///
/// It reads only its ``TurnPlan`` and writes nothing; the tick commits its ``TurnOutcome``.
struct TurnExecutor: Sendable {
    var clock: any WallClock
    /// Where replies are recorded as they arrive (DESIGN §5.6); `nil` records nothing.
    var outcomes: OutcomeLog?

    func execute(_ plan: TurnPlan) async -> TurnOutcome {
        let start = clock.monotonicNanoseconds()
        var outcome = TurnOutcome(plan: plan, stopReason: .completed)
        if plan.resume.schedule.skipWhenIdle, plan.inbox.isEmpty, plan.prompt.toolResults.isEmpty {
            outcome.stopReason = .noNewInput
            return outcome
        }
        let prompt = PromptBuilder().prompt(for: plan.prompt)
        let messages = prompt.messages
        outcome.messages = messages
        guard let model = plan.model, let provider = plan.provider else {
            outcome.stopReason = .providerFailed
            outcome.error = plan.providerProblem ?? "no provider for model '\(plan.resume.model.key)'"
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        }
        let request = ChatRequest(
            agent: plan.agent, tick: plan.tick, modelKey: model.key, model: model.model, messages: messages,
            cacheBreakpoints: prompt.breakpoints, temperature: plan.resume.model.temperature,
            maxTokens: plan.resume.model.maxTokens,
            responseSchema: PromptBuilder.replySchema, maxReplyBytes: plan.replyLimits.maxReplyBytes,
            context: TurnContext(
                agent: plan.agent, tick: plan.tick, inbox: plan.inbox.entries, readers: plan.prompt.readers,
                canRead: plan.prompt.canRead, title: plan.resume.title, instructions: plan.resume.instructions,
                tools: plan.resume.permissions.tools, toolResults: plan.prompt.toolResults,
                memory: plan.prompt.memory))
        // Reserve for the dearest model of the fallback chain, which may end up answering, with no
        // cache hit and the cacheable prefix at the dearest of its input and cache prices.
        let chain = [model] + model.fallback.compactMap { plan.registry[$0] }
        let worst = { (pricing: Pricing) in
            pricing.worstCase(
                inputTokens: TokenEstimator.tokens(in: messages), cacheablePrefixTokens: request.cacheablePrefixTokens,
                outputTokens: plan.resume.model.maxTokens)
        }
        let reservation = chain.map { worst($0.pricing) }.max() ?? worst(model.pricing)
        outcome.reserved = reservation
        guard reservation == 0 || plan.balance >= reservation else {
            outcome.stopReason = .budgetExhausted
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        }
        // Hashing a prompt costs a little; only turns that record or replay need it.
        let requestHash = plan.recordsReply || plan.recordedReply != nil ? Self.requestHash(request) : ""
        if let recorded = plan.recordedReply, recorded.requestHash == requestHash {
            outcome.providerMilliseconds = recorded.providerMilliseconds
            if let response = recorded.response {
                accept(response, messages: messages, into: &outcome)
            } else {
                outcome.stopReason = .providerFailed
                outcome.error = recorded.error
                outcome.usage = recorded.usage
            }
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        }
        let callStart = clock.monotonicNanoseconds()
        var response: ChatResponse?
        do {
            let answer =
                model.options["stream"]?.boolValue == true
                ? try await provider.stream(request) { _ in }
                : try await provider.complete(request)
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            response = answer
            accept(answer, messages: messages, into: &outcome)
        } catch let error as ProviderError {
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            outcome.stopReason = .providerFailed
            outcome.error = error.description
            outcome.usage = error.usage ?? .zero
            if error.code == .replyTooLarge {
                // The model did answer (and is paid), past the org's cap: unusable, not a failure.
                outcome.unusable = .tooLarge(bytes: nil, limit: plan.replyLimits.maxReplyBytes)
                outcome.stopReason = .truncated
            }
        } catch is CancellationError {
            // Nothing to record: the tick is being abandoned, and its rerun calls again.
            outcome.stopReason = .providerFailed
            outcome.error = "cancelled"
            outcome.totalMilliseconds = clock.milliseconds(since: start)
            return outcome
        } catch {
            outcome.providerMilliseconds = clock.milliseconds(since: callStart)
            outcome.stopReason = .providerFailed
            outcome.error = "unexpected provider error: \(error)"
        }
        if plan.recordsReply, let outcomes {
            do {
                try outcomes.append(
                    RecordedOutcomes.Reply.json(
                        tick: plan.tick, agent: plan.agent, requestHash: requestHash, response: response,
                        error: outcome.error, usage: outcome.usage, providerMilliseconds: outcome.providerMilliseconds))
            } catch {
                outcome.unrecorded = "\(error)"
            }
        }
        outcome.totalMilliseconds = clock.milliseconds(since: start)
        return outcome
    }
}

extension TurnExecutor {
    /// Takes a reply: its usage (estimated when the provider reported none), the parsed reply, and
    /// whether it can be used.
    private func accept(_ response: ChatResponse, messages: [ChatMessage], into outcome: inout TurnOutcome) {
        outcome.response = response
        outcome.usage =
            response.usage
            ?? TokenUsage(
                inputTokens: TokenEstimator.tokens(in: messages),
                outputTokens: TokenEstimator.tokens(in: response.text), isEstimated: true)
        let reply = ReplyParser(limits: outcome.plan.replyLimits).parse(response.text)
        outcome.reply = reply
        outcome.unusable = Self.unusable(response, reply: reply, limits: outcome.plan)
        outcome.stopReason = outcome.unusable?.stopReason ?? .completed
        outcome.error = outcome.unusable?.description
        if outcome.unusable == nil { outcome.toolCalls = reply.toolCalls }
    }

    /// A fingerprint of everything a request asks (model, parameters, messages): a recorded reply
    /// is reused only for the same request.
    static func requestHash(_ request: ChatRequest) -> String {
        var hash = FNV1a.offsetBasis
        FNV1a.hash("\(request.modelKey)|\(request.model)|\(request.temperature)|\(request.maxTokens)".utf8, into: &hash)
        for message in request.messages {
            FNV1a.hash([0, UInt8(truncatingIfNeeded: message.role.rawValue.utf8.count)], into: &hash)
            FNV1a.hash(message.role.rawValue.utf8, into: &hash)
            FNV1a.hash([0], into: &hash)
            FNV1a.hash(message.content.utf8, into: &hash)
        }
        return FNV1a.hex(hash)
    }

    /// Why a reply cannot be used (issue 11 item 7), or `nil` when it can: a refusal, a reply
    /// with no visible text, a reply over the size cap, and a reply cut off before its JSON object
    /// was complete cannot; a reply that hit the token limit after a complete object can.
    static func unusable(_ response: ChatResponse, reply: ParsedReply, limits plan: TurnPlan) -> UnusableReply? {
        if response.finish == .refused { return .refused(response.refusal) }
        if response.text.allSatisfy(\.isWhitespace) {
            return .empty(reasoned: !(response.reasoning ?? "").allSatisfy(\.isWhitespace))
        }
        if reply.violations.contains(where: { $0.code == "reply_too_large" }) {
            return .tooLarge(bytes: response.text.utf8.count, limit: plan.replyLimits.maxReplyBytes)
        }
        // Cut off at the token limit, or ended before its object did (cli models and servers that
        // do not report why they stopped).
        if reply.isTruncated || (response.finish == .truncated && !reply.holdsReplyObject) {
            return .cutOff(maxTokens: plan.resume.model.maxTokens)
        }
        return nil
    }
}

extension ParsedReply {
    /// Whether the text held a JSON object to read the reply from.
    var holdsReplyObject: Bool {
        !violations.contains { $0.code == "not_json" || $0.code == "not_object" || $0.code == "truncated" }
    }
}
