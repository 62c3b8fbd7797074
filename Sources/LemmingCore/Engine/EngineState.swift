/// The engine's in-memory copy of the org's state, authoritative while it holds the lock.
struct EngineState: Sendable {
    var tick: TickState
    var ledger: Ledger
    var cursors: CursorTable
    var runtimes: AgentRuntimes
    var memory: [String: MemoryBook]
    var outboxes: OutboxIndex
}
