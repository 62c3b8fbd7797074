import LemmingCore
import LemmingJSON

/// The figures of some turns and responses: an agent's, or the whole org's (``OrgStats``).
public struct RunFigures: Sendable, Equatable {
    /// Turn records.
    public var turns = 0
    /// How many turns stopped for each reason (``StopReason`` raw values).
    public var stopReasons: [String: Int] = [:]
    public var tokensIn = 0
    public var tokensOut = 0
    /// Of ``tokensIn``, read from and written to the providers' prompt caches (as reported).
    public var tokensCacheRead = 0
    public var tokensCacheWrite = 0
    /// In credits, rounded like the ledger (``Credits/round(_:)``).
    public var cost = 0.0
    /// Entries the turns wrote.
    public var entries = 0
    /// Contract violations, all turns together.
    public var violations = 0
    /// Turns whose reply had at least one contract violation.
    public var turnsWithViolations = 0
    /// Turns that produced nothing usable (``TurnFacts/isFailure``).
    public var failedTurns = 0
    /// Turns that stopped with `loop_detected`.
    public var loopDetections = 0
    /// For each request answered, the ticks from the request to the first response (see ``OrgStats``),
    /// in ascending order.
    public var responseTicks: [Int] = []

    public init() {}

    /// Counts one turn.
    public mutating func add(_ turn: TurnFacts) {
        turns += 1
        stopReasons[turn.stopReason, default: 0] += 1
        tokensIn += turn.tokensIn
        tokensOut += turn.tokensOut
        tokensCacheRead += turn.tokensCacheRead
        tokensCacheWrite += turn.tokensCacheWrite
        cost = Credits.round(cost + turn.cost)
        entries += turn.entries
        violations += turn.violations
        if turn.violations > 0 { turnsWithViolations += 1 }
        if turn.isFailure { failedTurns += 1 }
        if turn.isLoopDetection { loopDetections += 1 }
    }

    /// Adds the figures of other turns (an org's totals are its agents' figures added up).
    public mutating func add(_ other: RunFigures) {
        turns += other.turns
        stopReasons.merge(other.stopReasons, uniquingKeysWith: +)
        tokensIn += other.tokensIn
        tokensOut += other.tokensOut
        tokensCacheRead += other.tokensCacheRead
        tokensCacheWrite += other.tokensCacheWrite
        cost = Credits.round(cost + other.cost)
        entries += other.entries
        violations += other.violations
        turnsWithViolations += other.turnsWithViolations
        failedTurns += other.failedTurns
        loopDetections += other.loopDetections
        responseTicks = (responseTicks + other.responseTicks).sorted()
    }

    /// Credits per entry written; `nil` when no entry was.
    public var costPerEntry: Double? {
        entries == 0 ? nil : Credits.round(cost / Double(entries))
    }

    /// Turns with violations ÷ turns, from 0 to 1; `nil` without turns.
    public var violationRate: Double? {
        turns == 0 ? nil : Double(turnsWithViolations) / Double(turns)
    }

    /// Requests answered.
    public var responses: Int { responseTicks.count }

    /// The median of ``responseTicks`` (the mean of the middle two for an even count); `nil` when
    /// no request was answered.
    public var medianResponseTicks: Double? {
        guard !responseTicks.isEmpty else { return nil }
        let middle = responseTicks.count / 2
        if responseTicks.count % 2 == 1 { return Double(responseTicks[middle]) }
        return Double(responseTicks[middle - 1] + responseTicks[middle]) / 2
    }

    /// `{"turns", "stop_reasons": {reason: count}, "tokens_in", "tokens_out", "tokens_cache_read",
    /// "tokens_cache_write", "cost", "entries",
    /// "cost_per_entry", "violations", "turns_with_violations", "violation_rate", "failed_turns",
    /// "loop_detections", "responses", "median_response_ticks"}`; a figure that cannot be computed
    /// (no entries, no turns, no response) is `null`.
    public var json: JSONObject {
        var object = JSONObject()
        object["turns"] = .int(turns)
        object["stop_reasons"] = .object(
            JSONObject(stopReasons.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }))
        object["tokens_in"] = .int(tokensIn)
        object["tokens_out"] = .int(tokensOut)
        object["tokens_cache_read"] = .int(tokensCacheRead)
        object["tokens_cache_write"] = .int(tokensCacheWrite)
        object["cost"] = .double(cost)
        object["entries"] = .int(entries)
        object["cost_per_entry"] = costPerEntry.map(JSONValue.double) ?? .null
        object["violations"] = .int(violations)
        object["turns_with_violations"] = .int(turnsWithViolations)
        object["violation_rate"] = violationRate.map(JSONValue.double) ?? .null
        object["failed_turns"] = .int(failedTurns)
        object["loop_detections"] = .int(loopDetections)
        object["responses"] = .int(responses)
        object["median_response_ticks"] = medianResponseTicks.map(JSONValue.double) ?? .null
        return object
    }
}
