import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// Runs `ticks` ticks on a fresh engine of `org` and closes it.
@discardableResult
func run(_ org: TemporaryOrg, ticks: Int, sinks: [any EventSink] = []) async throws -> [TickReport] {
    try await org.run(ticks: ticks, sinks: sinks)
}

/// Sends a message as the human through the engine (a control commit).
func send(_ org: TemporaryOrg, to recipients: [String], _ text: String, priority: Priority = .normal) async throws {
    let engine = try await org.engine()
    try await engine.apply([.send(HumanMessage(to: recipients, text: text, priority: priority))])
    await engine.close()
}

extension JSONValue {
    /// The texts of the inbox entries a turn record says were shown.
    var inboxIDs: [String] { self["inbox"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    var stopReason: String? { self["stop_reason"]?.stringValue }
    var violationCodes: [String] {
        self["violations"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
    }
}

/// A reply object with one entry.
func reply(text: String, to: [String]? = nil, kind: String = "message", priority: String? = nil) -> JSONValue {
    var entry: JSONObject = ["kind": .string(kind), "payload": ["text": .string(text)]]
    if let to { entry["to"] = .strings(to) }
    if let priority { entry["priority"] = .string(priority) }
    return ["outbox_entries": [.object(entry)]]
}
