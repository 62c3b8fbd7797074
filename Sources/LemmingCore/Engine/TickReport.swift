import LemmingJSON

/// What one call of ``Engine/runTick()`` did.
public struct TickReport: Sendable, Equatable {
    /// One firing agent's turn.
    public struct Turn: Sendable, Equatable {
        public var agent: String
        public var stopReason: StopReason
        public var entries: Int
        public var cost: Double
        public var error: String?
    }

    public var tick: Int
    /// The engine was paused: no agent ran and the tick did not advance.
    public var wasPaused: Bool
    public var turns: [Turn]
    /// Agents whose schedule fired but that did not run, with the reason.
    public var skipped: [String: StopReason]
    public var entriesWritten: Int
    public var cost: Double
    public var durationMilliseconds: Double

    /// Turns that produced nothing usable (``StopReason/isFailure``).
    public var failures: Int { turns.filter(\.stopReason.isFailure).count }

    /// The report as `lemming step --json` and `POST /api/step` show it.
    public var json: JSONValue {
        var skippedObject = JSONObject()
        for name in skipped.keys.sorted(by: Names.precedes) {
            skippedObject[name] = .optional(skipped[name]?.rawValue)
        }
        return [
            "tick": .int(tick), "paused": .bool(wasPaused),
            "turns": .array(
                turns.map {
                    [
                        "agent": .string($0.agent), "stop_reason": .string($0.stopReason.rawValue),
                        "entries": .int($0.entries), "cost": .double($0.cost), "error": .optional($0.error),
                    ]
                }),
            "skipped": .object(skippedObject), "entries": .int(entriesWritten), "cost": .double(cost),
            "duration_ms": .double(durationMilliseconds),
        ]
    }
}
