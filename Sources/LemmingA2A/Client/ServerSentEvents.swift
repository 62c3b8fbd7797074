/// Reads a `text/event-stream` body (WHATWG HTML §9.2.6) as it arrives: the `data` of each event,
/// its `data:` lines joined by newlines. Comments, `event`, `id` and `retry` lines are skipped.
struct ServerSentEvents: Sendable {
    private var line: [UInt8] = []
    private var data: [String] = []
    private var hasData = false
    /// The largest event accepted, in bytes; a larger one is an error (a hostile or broken peer).
    let maximumEventBytes: Int
    private var eventBytes = 0

    init(maximumEventBytes: Int = 16 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    struct TooLarge: Error {}

    /// The events completed by `bytes`.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if let event = take(line) { events.append(event) }
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
                eventBytes += 1
                if eventBytes > maximumEventBytes { throw TooLarge() }
            }
        }
        return events
    }

    private mutating func take(_ line: [UInt8]) -> String? {
        guard !line.isEmpty else {
            defer {
                data.removeAll()
                hasData = false
                eventBytes = 0
            }
            return hasData ? data.joined(separator: "\n") : nil
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("data") else { return nil }
        var value = Substring(text.dropFirst(4))
        guard value.isEmpty || value.first == ":" else { return nil }
        value = value.dropFirst()
        if value.first == " " { value = value.dropFirst() }
        data.append(String(value))
        hasData = true
        return nil
    }
}
