import LemmingCore
import LemmingJSON

/// What `lemming stats` and `compare` take from one turn record of `agents/<name>/logs/turns.jsonl`
/// (DESIGN §5.7): its tick, stop reason, tokens, cost, how many entries it wrote and how many
/// contract violations its reply had.
public struct TurnFacts: Sendable, Equatable {
    public var tick: Int
    /// The stop reason as recorded (a ``StopReason`` raw value; one this version does not know is
    /// kept as it is).
    public var stopReason: String
    public var tokensIn: Int
    public var tokensOut: Int
    /// Of ``tokensIn``, those the provider read from its prompt cache (0 when it did not say).
    public var tokensCacheRead = 0
    /// Of ``tokensIn``, those the provider wrote to its prompt cache (0 when it did not say).
    public var tokensCacheWrite = 0
    /// In credits (DESIGN §4.4).
    public var cost: Double
    /// The entries the turn wrote (the engine's `status` entries are not the turn's).
    public var entries: Int
    /// The contract violations of the turn's reply (DESIGN §2.7).
    public var violations: Int

    public init(
        tick: Int, stopReason: String, tokensIn: Int = 0, tokensOut: Int = 0, cost: Double = 0, entries: Int = 0,
        violations: Int = 0
    ) {
        self.tick = tick
        self.stopReason = stopReason
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.cost = cost
        self.entries = entries
        self.violations = violations
    }

    /// The facts of a turn record; `nil` when it is not one (no tick or no stop reason).
    public init?(record: JSONValue) {
        guard let tick = record["tick"]?.intValue, let stopReason = record["stop_reason"]?.stringValue else {
            return nil
        }
        self.init(
            tick: tick, stopReason: stopReason, tokensIn: record["usage"]?["input_tokens"]?.intValue ?? 0,
            tokensOut: record["usage"]?["output_tokens"]?.intValue ?? 0, cost: record["cost"]?.doubleValue ?? 0,
            entries: record["entries"]?.arrayValue?.count ?? 0, violations: record["violations"]?.arrayValue?.count ?? 0
        )
        tokensCacheRead = record["usage"]?["cache_read_input_tokens"]?.intValue ?? 0
        tokensCacheWrite = record["usage"]?["cache_creation_input_tokens"]?.intValue ?? 0
    }

    /// The turn produced nothing usable: the provider failed, or the reply was cut off, refused or
    /// empty (``StopReason/isFailure``).
    public var isFailure: Bool { StopReason(rawValue: stopReason)?.isFailure ?? false }

    /// The agent repeated itself and was paused (DESIGN §5.5).
    public var isLoopDetection: Bool { stopReason == StopReason.loopDetected.rawValue }
}
