import LemmingJSON

/// What the tick in progress has already paid for or done, read back from the ``OutcomeLog``
/// after a crash so that the rerun of the tick re-stages it instead of calling the model or
/// running a tool again (DESIGN §5.6).
struct RecordedOutcomes: Sendable {
    /// A model call that returned: its reply or its failure.
    struct Reply: Sendable, Equatable {
        /// ``TurnExecutor/requestHash(_:)`` of the request: a rerun whose request differs (new
        /// input arrived meanwhile) calls the model again.
        var requestHash: String
        var response: ChatResponse?
        var error: String?
        var usage: TokenUsage
        var providerMilliseconds: Double
    }

    /// A tool call that ran: what it returned and the effects it asked for.
    struct ToolRun: Sendable, Equatable {
        var result: ToolResult
        var effects: [ToolEffect]
    }

    var tick: Int
    var replies: [String: Reply] = [:]
    /// By agent, then by ``ToolRunKey/text``.
    var toolRuns: [String: [String: ToolRun]] = [:]

    var isEmpty: Bool { replies.isEmpty && toolRuns.isEmpty }

    /// Reads the records of `tick`; a record that cannot be read is skipped (that step runs again).
    init(tick: Int, records: [JSONValue]) {
        self.tick = tick
        for record in records {
            guard let agent = record["agent"]?.stringValue else { continue }
            switch record["type"]?.stringValue {
            case "reply":
                if let reply = Reply(json: record) { replies[agent] = reply }
            case "tool":
                if let key = record["key"]?.stringValue, let run = ToolRun(json: record) {
                    toolRuns[agent, default: [:]][key] = run
                }
            default:
                continue
            }
        }
    }

    init(tick: Int) {
        self.tick = tick
    }
}

/// Which tool call of a tick a recorded run belongs to.
enum ToolRunKey: Sendable, Equatable {
    /// The `index`-th call of the agent's reply this tick.
    case call(Int)
    /// An approved call run at tick start, by the id of its `approval_request` entry.
    case approval(String)

    var text: String {
        switch self {
        case .call(let index): return "call/\(index)"
        case .approval(let request): return "approval/\(request)"
        }
    }
}

extension RecordedOutcomes.Reply {
    init?(json record: JSONValue) {
        guard let hash = record["request"]?.stringValue else { return nil }
        requestHash = hash
        usage = TokenUsage(json: record["usage"] ?? .null)
        providerMilliseconds = record["provider_ms"]?.doubleValue ?? 0
        if let response = record["response"], let text = response["text"]?.stringValue {
            self.response = ChatResponse(
                text: text, usage: response["usage"].map(TokenUsage.init(json:)),
                finishReason: response["finish_reason"]?.stringValue,
                finish: response["finish"]?.stringValue.flatMap(ChatResponse.Finish.init(rawValue:)) ?? .complete,
                reasoning: response["reasoning"]?.stringValue, refusal: response["refusal"]?.stringValue,
                servedBy: response["served_by"]?.stringValue)
        } else if let error = record["error"]?.stringValue {
            self.error = error
        } else {
            return nil
        }
    }

    static func json(
        tick: Int, agent: String, requestHash: String, response: ChatResponse?, error: String?, usage: TokenUsage,
        providerMilliseconds: Double
    ) -> JSONValue {
        var object: JSONObject = [
            "tick": .int(tick), "agent": .string(agent), "type": "reply", "request": .string(requestHash),
        ]
        if let response {
            object["response"] = [
                "text": .string(response.text), "usage": response.usage?.json ?? .null,
                "finish_reason": .optional(response.finishReason), "finish": .string(response.finish.rawValue),
                "reasoning": .optional(response.reasoning), "refusal": .optional(response.refusal),
                "served_by": .optional(response.servedBy),
            ]
        }
        object["error"] = .optional(error)
        object["usage"] = usage.json
        object["provider_ms"] = .double(providerMilliseconds)
        return .object(object)
    }
}

extension RecordedOutcomes.ToolRun {
    init?(json record: JSONValue) {
        guard let result = record["result"], result["tool"]?.stringValue != nil else { return nil }
        self.result = ToolResult(json: result)
        var effects: [ToolEffect] = []
        for effect in record["effects"]?.arrayValue ?? [] {
            guard let decoded = ToolEffect(json: effect) else { return nil }
            effects.append(decoded)
        }
        self.effects = effects
    }

    static func json(tick: Int, agent: String, key: ToolRunKey, output: ToolOutput) -> JSONValue {
        [
            "tick": .int(tick), "agent": .string(agent), "type": "tool", "key": .string(key.text),
            "result": output.result.json, "effects": .array(output.effects.map(\.json)),
        ]
    }
}

extension ToolEffect {
    var json: JSONValue {
        switch self {
        case .memory(let update):
            return ["memory": update.json]
        case .createAgent(let name, let resume, let credits):
            return ["create_agent": ["name": .string(name), "resume": .object(resume), "credits": .double(credits)]]
        case .charge(let cost, let tokens, let purpose):
            return ["charge": ["cost": .double(cost), "input_tokens": .int(tokens), "purpose": .string(purpose)]]
        }
    }

    init?(json value: JSONValue) {
        if let update = value["memory"], let key = update["key"]?.stringValue,
            let operation = update["op"]?.stringValue.flatMap(MemoryOperation.init(rawValue:))
        {
            self = .memory(MemoryUpdate(key: key, operation: operation, value: update["value"] ?? .null))
        } else if let agent = value["create_agent"], let name = agent["name"]?.stringValue,
            let resume = agent["resume"]?.objectValue, let credits = agent["credits"]?.doubleValue
        {
            self = .createAgent(name: name, resume: resume, credits: credits)
        } else if let charge = value["charge"], let cost = charge["cost"]?.doubleValue,
            let tokens = charge["input_tokens"]?.intValue, let purpose = charge["purpose"]?.stringValue
        {
            self = .charge(cost: cost, inputTokens: tokens, purpose: purpose)
        } else {
            return nil
        }
    }
}
