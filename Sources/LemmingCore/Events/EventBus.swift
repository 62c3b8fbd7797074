/// Delivers the engine's events to every sink (see ``EventSink`` for the two channels).
///
/// It does not number events: ``Engine`` numbers them when it commits, from the counter persisted
/// in `state/tick.json`, so a number is never handed out twice.
final class EventBus: Sendable {
    let sinks: [any EventSink]

    init(sinks: [any EventSink]) {
        self.sinks = sinks
    }

    /// Hands a commit to every sink in order (the log first: see ``Engine``), then flushes them.
    func publish(_ changes: CommittedChanges) {
        for sink in sinks { sink.committed(changes) }
        for sink in sinks { sink.flush() }
    }

    func progress(_ event: EngineEvent.Draft) {
        for sink in sinks { sink.progress(event) }
    }

    func flush() {
        for sink in sinks { sink.flush() }
    }
}
