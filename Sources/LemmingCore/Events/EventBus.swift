/// Delivers the engine's events to every sink (see ``EventSink`` for the two channels).
///
/// It does not number events: ``Engine`` numbers them when it commits, from the counter persisted
/// in `state/tick.json`, so a number is never handed out twice.
final class EventBus: Sendable {
    let sinks: [any EventSink]

    init(sinks: [any EventSink]) {
        self.sinks = sinks
    }

    func publish(_ events: [EngineEvent]) {
        for event in events {
            for sink in sinks { sink.receive(event) }
        }
        for sink in sinks { sink.flush() }
    }

    func progress(_ event: EngineEvent.Draft) {
        for sink in sinks { sink.progress(event) }
    }

    func flush() {
        for sink in sinks { sink.flush() }
    }
}
