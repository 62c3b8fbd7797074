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

    public var failures: Int { turns.filter { $0.stopReason == .providerFailed }.count }
}
