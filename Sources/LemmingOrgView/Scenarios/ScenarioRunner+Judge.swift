import LemmingCore
import LemmingJSON

extension ScenarioRunner {
    /// The most characters of transcript a judge is shown (the end is kept: it holds the outcome).
    static let transcriptLimit = 32_000

    /// What a judge is asked to answer.
    static let verdictSchema: JSONValue = [
        "type": "object", "required": ["score", "reason"],
        "properties": [
            "score": ["type": "number", "minimum": 0, "maximum": 1],
            "reason": ["type": "string"],
        ],
    ]

    /// Scores the run with the rubric's judge: one call, the rubric's prompt as the system message
    /// and the transcript as the user message; the answer must hold `{"score": 0…1, "reason": …}`.
    ///
    /// - Returns: the check, and what the call cost (by the judge's prices; `nil` when no call was
    ///   made).
    func judge(
        _ rubric: Scenario.Rubric, transcript: String, registry: ModelRegistry, root: String
    ) async -> (ScenarioResult.Check, Double?) {
        let name = "rubric (judge \(rubric.judge)) at least \(ScenarioChecks.credits(rubric.threshold))"
        func failure(_ detail: String) -> ScenarioResult.Check { .init(name: name, passed: false, detail: detail) }
        guard let entry = registry[rubric.judge] else {
            return (failure("'\(rubric.judge)' is not a key of the org's model registry"), nil)
        }
        let provider: any ModelProvider
        do {
            provider = try providers.makeProvider(for: entry, registry: registry, org: OrgPaths(root: root))
        } catch {
            return (failure("the judge cannot be used: \(error)"), nil)
        }
        let shown =
            transcript.count > Self.transcriptLimit ? "…" + transcript.suffix(Self.transcriptLimit) : transcript
        let messages = [
            ChatMessage(
                role: .system,
                content: rubric.prompt + "\n\nYou judge the transcript of a run of a multi-agent organisation. Answer "
                    + #"with one JSON object and nothing else: {"score": a number from 0 (fails) to 1 (perfect), "#
                    + #""reason": "one sentence"}."#),
            ChatMessage(
                role: .user, content: "The run, one entry a line:\n\n" + (shown.isEmpty ? "(no entries)" : shown)),
        ]
        let request = ChatRequest(
            agent: "judge", tick: 0, modelKey: entry.key, model: entry.model, messages: messages, temperature: 0,
            maxTokens: 512, responseSchema: Self.verdictSchema)
        let response: ChatResponse
        do {
            response = try await provider.complete(request)
        } catch {
            return (failure("the judge's call failed: \(error)"), nil)
        }
        let usage =
            response.usage
            ?? TokenUsage(
                inputTokens: TokenEstimator.tokens(in: messages),
                outputTokens: TokenEstimator.tokens(in: response.text),
                isEstimated: true)
        let cost = (response.servedBy.flatMap { registry[$0] } ?? entry).pricing.cost(
            inputTokens: usage.inputTokens, outputTokens: usage.outputTokens)
        let spent =
            "judge: \(usage.inputTokens) + \(usage.outputTokens) tokens\(usage.isEstimated ? " (estimated)" : ""), "
            + "\(ScenarioChecks.credits(cost)) credits"
        guard let verdict = Self.verdict(in: response.text) else {
            return (
                failure(
                    "the judge did not answer with a score from 0 to 1: \(ScenarioChecks.excerpt(response.text)) "
                        + "(\(spent))"), cost
            )
        }
        let passed = verdict.score >= rubric.threshold
        let comparison = passed ? "≥" : "<"
        let detail =
            "score \(ScenarioChecks.credits(verdict.score)) \(comparison) \(ScenarioChecks.credits(rubric.threshold))"
            + (verdict.reason.isEmpty ? "" : ": \(verdict.reason)") + " (\(spent))"
        return (.init(name: name, passed: passed, detail: detail), cost)
    }

    /// The score and reason of a judge's answer: the JSON object in it (code fences and prose around
    /// it are skipped), with a `score` from 0 to 1.
    static func verdict(in text: String) -> (score: Double, reason: String)? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close,
            let object = try? JSONValue.parse(String(text[open...close])),
            let score = object["score"]?.doubleValue, (0...1).contains(score)
        else { return nil }
        return (score, object["reason"]?.stringValue ?? "")
    }
}
