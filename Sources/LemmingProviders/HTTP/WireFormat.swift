import LemmingCore

/// One provider's wire format: how a chat request becomes an HTTP request, and how the answer
/// (whole, or streamed) becomes a ``ChatResponse``.
public protocol WireFormat: Sendable {
    /// The provider's name in messages ("OpenAI").
    var name: String { get }

    /// The URL of a call.
    func url(settings: HTTPSettings, streaming: Bool) -> String

    /// The headers of a call (the key included; they are never logged).
    func headers(settings: HTTPSettings) -> [(String, String)]

    /// The JSON body of a call.
    func body(for request: ChatRequest, settings: HTTPSettings, structured: Bool, streaming: Bool) -> JSONValue

    /// The reply in a whole (non-streaming) response body.
    func parse(_ body: JSONValue) throws -> ChatResponse

    /// A decoder for a streamed response body.
    func makeStreamDecoder() -> any StreamDecoder

    /// The provider's explanation in an error body, if it has one.
    func errorMessage(in body: JSONValue) -> String?
}

extension WireFormat {
    public func errorMessage(in body: JSONValue) -> String? {
        body["error"]?["message"]?.stringValue ?? body["error"]?.stringValue ?? body["message"]?.stringValue
    }
}

/// Turns the bytes of a streamed body into text pieces, then into the whole reply.
public protocol StreamDecoder: Sendable {
    /// Feeds bytes as they arrive; returns the text pieces they complete.
    mutating func feed(_ bytes: [UInt8]) throws -> [String]
    /// The whole reply once the body ended.
    ///
    /// - Throws: ``ProviderError`` when the stream stopped before the reply was complete.
    mutating func finish() throws -> ChatResponse
}

/// Splits a byte stream into lines (`\n`, with an optional `\r` before it).
struct LineSplitter: Sendable {
    private var buffer: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [String] {
        buffer.append(contentsOf: bytes)
        var lines: [String] = []
        while let newline = buffer.firstIndex(of: 0x0A) {
            var line = Array(buffer[..<newline])
            if line.last == 0x0D { line.removeLast() }
            lines.append(String(decoding: line, as: UTF8.self))
            buffer.removeSubrange(...newline)
        }
        return lines
    }

    /// What is left after the last newline.
    var remainder: String { String(decoding: buffer, as: UTF8.self) }
}

/// Splits a Server-Sent Events stream into events (`event:` name and joined `data:` lines).
struct ServerSentEvents: Sendable {
    struct Event: Sendable {
        var name: String?
        var data: String
    }

    private var lines = LineSplitter()
    private var name: String?
    private var data: [String] = []

    mutating func feed(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        for line in lines.feed(bytes) {
            if line.isEmpty {
                if !data.isEmpty { events.append(Event(name: name, data: data.joined(separator: "\n"))) }
                name = nil
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else if line.hasPrefix("data:") {
                data.append(String(line.dropFirst(5).drop { $0 == " " }))
            } else if line.hasPrefix("event:") {
                name = String(line.dropFirst(6).drop { $0 == " " })
            }
        }
        return events
    }

    /// An event left without its closing blank line when the stream ended.
    mutating func finish() -> Event? {
        let rest = lines.remainder
        if rest.hasPrefix("data:") { data.append(String(rest.dropFirst(5).drop { $0 == " " })) }
        guard !data.isEmpty else { return nil }
        defer { data = [] }
        return Event(name: name, data: data.joined(separator: "\n"))
    }
}
