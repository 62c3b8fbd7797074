import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import LemmingCore
import LemmingJSON
import NIOCore
import NIOWebSocket

/// `GET /api/events`: a WebSocket pushing engine events as JSON text frames.
///
/// Query: `agent` and `kind` (comma-separated filters), `since` (a sequence number: the events
/// after it come first, so a client that reconnects with the last `seq` it saw misses nothing).
/// When the requested history is gone from every log, a `{"type": "gap", ...}` frame says which
/// sequences are missing. A client that falls too far behind is closed with code 1008 and a reason
/// naming the `since` to reconnect with.
enum EventRoutes {
    static let route = APIRoute(
        method: .get, path: "/api/events", operationID: "events",
        summary: "WebSocket of engine events (query: agent, kind, since). Plain GET answers 426.", tag: "events",
        access: .read,
        query: [
            .init(name: "agent", type: "string", description: "Only events about these agents (comma-separated)."),
            .init(name: "kind", type: "string", description: "Only these event types (comma-separated)."),
            .init(name: "since", type: "integer", description: "Replay the events after this sequence first."),
        ],
        errors: [426]
    ) { _, _, _ in
        throw APIError(
            .upgradeRequired, "websocket_required", "GET /api/events is a WebSocket: connect with ws://…/api/events")
    }

    /// The parsed query of a subscription.
    struct StreamQuery: Sendable {
        var filter: EventHub.Filter
        var since: Int?
    }

    static func addWebSocket(to router: Router<APIContext>, backend: OrgBackend) {
        router.ws("/api/events") { request, context in
            try backend.admit(route, request: request, context: context)
            _ = try parse(request)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let subscription = try? parse(context.request) else { return }
            // Stream until the client goes away, the hub closes (shutdown) or the client falls behind.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in inbound {}
                }
                group.addTask {
                    try await stream(subscription, backend: backend, outbound: outbound)
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    static func parse(_ request: Request) throws -> StreamQuery {
        let query = Query(request)
        return StreamQuery(
            filter: EventHub.Filter(agents: query.list("agent").map(Set.init), kinds: query.list("kind").map(Set.init)),
            since: try query.int("since", in: -1...Int.max))
    }

    private static func stream(
        _ request: StreamQuery, backend: OrgBackend, outbound: WebSocketOutboundWriter
    )
        async throws
    {
        let hub = backend.hub
        let subscription = hub.subscribe(request.filter, since: request.since)
        defer { hub.unsubscribe(subscription.id) }
        var last = request.since ?? hub.lastSequence
        if let missing = subscription.missing {
            let gap: JSONValue = [
                "type": "gap", "data": ["from": .int(missing.lowerBound), "to": .int(missing.upperBound)],
            ]
            try await outbound.write(.text(text(gap)))
        }
        for event in subscription.replay {
            // The client went away (its close ends the inbound task, which cancels this one):
            // write nothing after the close was answered.
            try Task.checkCancellation()
            try await outbound.write(.text(text(event.json)))
            last = event.sequence
        }
        for await event in subscription.stream {
            try await outbound.write(.text(text(event.json)))
            last = event.sequence
        }
        if hub.didOverflow(subscription.id) {
            try await outbound.close(.policyViolation, reason: "too far behind; reconnect with since=\(last)")
        }
    }

    private static func text(_ value: JSONValue) -> String {
        String(decoding: JSONWriter(style: .compact).bytes(value), as: UTF8.self)
    }
}
