/// A line of `agents/<name>/logs/turns.jsonl` (DESIGN §5.7): everything about one turn, enough to
/// replay the org without a network.
enum TurnRecord {
    static func line(
        _ outcome: TurnOutcome,
        stopReason: StopReason,
        violations: [ContractViolation],
        entries: [EntryID],
        cost: Double
    ) -> [UInt8] {
        let plan = outcome.plan
        var record = JSONObject()
        record["tick"] = .int(plan.tick)
        record["agent"] = .string(plan.agent)
        record["stop_reason"] = .string(stopReason.rawValue)
        record["started_at"] = .string(plan.startedAt)
        record["model"] = [
            "key": .string(plan.resume.model.key), "provider": .optional(plan.model?.provider),
            "model": .optional(plan.model?.model),
        ]
        record["request"] = [
            "messages": .array(outcome.messages.map(\.json)), "temperature": .double(plan.resume.model.temperature),
            "max_tokens": .int(plan.resume.model.maxTokens),
        ]
        record["inbox"] = .strings(plan.inbox.entries.map(\.id.text))
        if let response = outcome.response {
            record["reply"] = ["text": .string(response.text), "finish_reason": .optional(response.finishReason)]
        } else {
            record["reply"] = .null
        }
        record["parsed"] = outcome.reply?.json ?? .null
        record["entries"] = .strings(entries.map(\.text))
        record["violations"] = .array(violations.map(\.json))
        record["tool_results"] = .array(outcome.toolResults.map(\.json))
        record["usage"] = outcome.usage.json
        record["cost"] = .double(cost)
        record["reserved"] = .double(outcome.reserved)
        record["error"] = .optional(outcome.error)
        record["duration_ms"] = [
            "total": .double(outcome.totalMilliseconds), "provider": .double(outcome.providerMilliseconds),
        ]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        JSONWriter(style: .compact).write(.object(record), into: &bytes)
        bytes.append(0x0A)
        return bytes
    }
}
