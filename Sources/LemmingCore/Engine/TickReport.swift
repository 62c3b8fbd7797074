import LemmingJSON

/// What one call of ``Engine/runTick()`` did.
public struct TickReport: Sendable, Equatable {
    /// One firing agent's turn.
    public struct Turn: Sendable, Equatable {
        /// The agent's name.
        public var agent: String
        /// How the turn ended.
        public var stopReason: StopReason
        /// Outbox entries it wrote.
        public var entries: Int
        /// What it cost, in credits.
        public var cost: Double
        /// Why it failed, in words; `nil` unless it failed.
        public var error: String?
    }

    /// The tick that ran.
    public var tick: Int
    /// The engine was paused: no agent ran and the tick did not advance.
    public var wasPaused: Bool
    /// The turns that ran, in firing order.
    public var turns: [Turn]
    /// Agents whose schedule fired but that did not run, with the reason.
    public var skipped: [String: StopReason]
    /// Outbox entries the tick wrote.
    public var entriesWritten: Int
    /// What the tick's turns cost in all, in credits.
    public var cost: Double
    /// How long the tick took, in milliseconds of the engine's clock (0 with a ``FixedWallClock``).
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
