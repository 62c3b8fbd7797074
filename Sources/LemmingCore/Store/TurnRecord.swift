import LemmingJSON

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
        var line = JSONLineBuilder(capacity: 4096)
        line.beginObject()
        line.member("tick", .int(plan.tick))
        line.member("agent", .string(plan.agent))
        line.member("stop_reason", .string(stopReason.rawValue))
        line.member("started_at", .string(plan.startedAt))
        line.member(
            "model",
            [
                "key": .string(plan.resume.model.key), "provider": .optional(outcome.servedModel?.provider),
                "model": .optional(outcome.servedModel?.model), "served_by": .optional(outcome.response?.servedBy),
            ])
        line.object("request") { request in
            request.beginArray("messages")
            for (position, message) in outcome.messages.enumerated() {
                request.beginObject()
                request.member("role", .string(message.role.rawValue))
                // The system message is the same every turn: reuse its escaped form.
                if position == 0, message.role == .system, message.content == plan.prompt.systemMessage {
                    request.member("content", raw: plan.systemMessageJSON)
                } else {
                    request.member("content", .string(message.content))
                }
                request.endObject()
            }
            request.endArray()
            request.member("temperature", .double(plan.resume.model.temperature))
            request.member("max_tokens", .int(plan.resume.model.maxTokens))
        }
        line.member("inbox", .strings(plan.inbox.entries.map(\.id.text)))
        if let response = outcome.response {
            // A record holds at most limits.max_reply_bytes of each text: a huge reply is refused
            // by the parser, and must not make one huge line either.
            let limit = plan.replyLimits.maxReplyBytes
            var reply: JSONObject = ["text": .string(response.text.prefix(utf8Bytes: limit))]
            if response.text.utf8.count > limit { reply["text_bytes"] = .int(response.text.utf8.count) }
            reply["finish_reason"] = .optional(response.finishReason)
            reply["finish"] = .string(response.finish.rawValue)
            if let reasoning = response.reasoning {
                reply["reasoning"] = .string(reasoning.prefix(utf8Bytes: limit))
                if reasoning.utf8.count > limit { reply["reasoning_bytes"] = .int(reasoning.utf8.count) }
            }
            if let refusal = response.refusal { reply["refusal"] = .string(refusal.prefix(utf8Bytes: limit)) }
            line.member("reply", .object(reply))
        } else {
            line.member("reply", .null)
        }
        line.member("parsed", outcome.reply?.json ?? .null)
        line.member("entries", .strings(entries.map(\.text)))
        line.member("violations", .array(violations.map(\.json)))
        line.member("tool_results", .array(outcome.toolResults.map(\.json)))
        line.member("usage", outcome.usage.json)
        line.member("cost", .double(cost))
        line.member("reserved", .double(outcome.reserved))
        line.member("error", .optional(outcome.error))
        line.member(
            "duration_ms",
            ["total": .double(outcome.totalMilliseconds), "provider": .double(outcome.providerMilliseconds)])
        line.endObject()
        // Exactly as long as the line: the commit holds every turn's line until its files are
        // written (10,000 lines in a wide tick), and the builder's reserve would be a third more.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.bytes.count + 1)
        bytes.append(contentsOf: line.bytes)
        bytes.append(0x0A)
        return bytes
    }
}
