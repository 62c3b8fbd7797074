import Foundation
import LemmingJSON

/// The replies and tool results of an org's turn records (`agents/<name>/logs/turns.jsonl`, DESIGN
/// §5.7), by agent and tick: what `lemming replay` feeds the engine instead of models and tools.
package struct RecordedTurns: Sendable {
    /// One recorded turn.
    package struct Turn: Sendable {
        /// The reply as the provider gave it, or `nil` when the call failed.
        package var response: ChatResponse?
        /// The failure of a call without reply.
        package var error: String?
        package var toolResults: [JSONValue]
    }

    private var turns: [String: [Int: Turn]] = [:]
    /// When the first recorded turn of each tick started.
    private var times: [Int: Date] = [:]

    /// Reads the turns of ticks `ticks` from every agent's turn log of `paths`.
    ///
    /// - Throws: ``LemmingError`` when a turn log cannot be read.
    package init(_ paths: OrgPaths, ticks: ClosedRange<Int>) throws {
        for agent in try FileSystem.list(paths.agents) ?? [] where Names.isValidAgentName(agent) {
            guard let bytes = try FileSystem.readIfPresent(paths.turns(agent)) else { continue }
            for line in bytes.split(separator: 0x0A) {
                guard let record = try? JSONValue.parse(Array(line)), let tick = record["tick"]?.intValue,
                    ticks.contains(tick)
                else { continue }
                turns[agent, default: [:]][tick] = Turn(record: record)
                if let started = record["started_at"]?.stringValue.flatMap(Timestamp.parse) {
                    times[tick] = min(times[tick] ?? started, started)
                }
            }
        }
    }

    package subscript(agent: String, tick: Int) -> Turn? { turns[agent]?[tick] }

    /// When the first recorded turn of `tick` started.
    func startTime(of tick: Int) -> Date? { times[tick] }

    /// The outcome-log records (``RecordedOutcomes``) of tick `tick`'s tool calls: calls with
    /// external effects are then not run again but given their recorded results.
    package func toolRecords(tick: Int) -> [JSONValue] {
        var records: [JSONValue] = []
        for agent in turns.keys.sorted() {
            guard let turn = turns[agent]?[tick] else { continue }
            for (index, result) in turn.toolResults.enumerated() {
                records.append([
                    "tick": .int(tick), "agent": .string(agent), "type": "tool", "key": .string("call/\(index)"),
                    "result": result, "effects": .array([]),
                ])
            }
        }
        return records
    }
}

extension RecordedTurns.Turn {
    init(record: JSONValue) {
        toolResults = record["tool_results"]?.arrayValue ?? []
        error = record["error"]?.stringValue
        guard let reply = record["reply"], let text = reply["text"]?.stringValue else {
            response = nil
            return
        }
        let usage = record["usage"]
        let reported = usage?["estimated"]?.boolValue == false ? usage.map(TokenUsage.init(json:)) : nil
        response = ChatResponse(
            text: text, usage: reported, finishReason: reply["finish_reason"]?.stringValue,
            finish: reply["finish"]?.stringValue.flatMap(ChatResponse.Finish.init(rawValue:)) ?? .complete,
            reasoning: reply["reasoning"]?.stringValue, refusal: reply["refusal"]?.stringValue,
            servedBy: record["model"]?["served_by"]?.stringValue)
    }
}

/// Providers that answer every model call with the reply recorded for its agent and tick (no
/// network): the models of a replay.
package struct RecordedTurnProviders: ModelProviderFactory {
    let turns: RecordedTurns

    package init(_ turns: RecordedTurns) {
        self.turns = turns
    }

    package func makeProvider(
        for entry: ModelEntry, registry: ModelRegistry, org: OrgPaths
    ) throws
        -> any ModelProvider
    {
        Provider(turns: turns)
    }

    struct Provider: ModelProvider {
        let turns: RecordedTurns

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            guard let turn = turns[request.agent, request.tick] else {
                throw ProviderError(
                    .configuration, "the recorded run has no turn of \(request.agent) at tick \(request.tick)")
            }
            guard let response = turn.response else {
                throw ProviderError(.process, turn.error ?? "the recorded call failed")
            }
            return response
        }

        func stream(
            _ request: ChatRequest, onText: @escaping @Sendable (String) async -> Void
        ) async throws -> ChatResponse {
            let response = try await complete(request)
            await onText(response.text)
            return response
        }
    }
}
