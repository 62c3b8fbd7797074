/// The engine's in-memory copy of the org's state, authoritative while it holds the lock.
struct EngineState: Sendable {
    var tick: TickState
    var ledger: Ledger
    var cursors: CursorTable
    var runtimes: AgentRuntimes
    var memory: [String: MemoryBook]
    var outboxes: OutboxIndex
}

/// Delivers events to every sink, numbering them.
final class EventBus: Sendable {
    let sinks: [any EventSink]

    init(sinks: [any EventSink]) {
        self.sinks = sinks
    }

    func publish(_ event: EngineEvent) {
        for sink in sinks { sink.receive(event) }
    }

    func flush() {
        for sink in sinks { sink.flush() }
    }
}
