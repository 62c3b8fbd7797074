/// Splits a Server-Sent Events stream into events (`event:` name and joined `data:` lines).
package struct ServerSentEvents: Sendable {
    package struct Event: Sendable {
        package var name: String?
        package var data: String
    }

    private var lines = LineSplitter()
    private var name: String?
    private var data: [String] = []

    package init() {}

    /// Bytes received after the last complete line.
    package var pendingByteCount: Int { lines.pendingByteCount }

    package mutating func feed(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        for line in lines.feed(bytes) {
            if line.isEmpty {
                if !data.isEmpty { events.append(Event(name: name, data: data.joined(separator: "\n"))) }
                name = nil
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else if line.hasPrefix("data:") {
                data.append(Self.value(of: line, field: 5))
            } else if line.hasPrefix("event:") {
                name = Self.value(of: line, field: 6)
            }
        }
        return events
    }

    /// A field's value: what follows the colon, less one space (the SSE specification keeps any
    /// further spaces).
    private static func value(of line: String, field length: Int) -> String {
        let value = line.dropFirst(length)
        return String(value.first == " " ? value.dropFirst() : value)
    }

    /// An event left without its closing blank line when the stream ended.
    package mutating func finish() -> Event? {
        let rest = lines.remainder
        if rest.hasPrefix("data:") { data.append(Self.value(of: rest, field: 5)) }
        guard !data.isEmpty else { return nil }
        defer { data = [] }
        return Event(name: name, data: data.joined(separator: "\n"))
    }
}
