import LemmingJSON

/// One piece of a message or an artifact (`Part` of `a2a.proto`): text, structured data, or a file
/// by URL or inline bytes (base64 in JSON), with an optional media type and file name.
public struct Part: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case text(String)
        case data(JSONValue)
        case url(String)
        /// Base64, as protobuf-JSON writes `bytes`.
        case raw(String)
    }

    public var content: Content
    public var mediaType: String?
    public var filename: String?
    public var metadata: JSONObject?

    public init(_ content: Content, mediaType: String? = nil, filename: String? = nil) {
        self.content = content
        self.mediaType = mediaType
        self.filename = filename
    }

    /// A text part.
    public static func text(_ text: String) -> Part { Part(.text(text)) }

    /// The text of a text part.
    public var text: String? {
        if case .text(let text) = content { return text }
        return nil
    }

    /// Whether it is a file (by URL or inline bytes) rather than text or data.
    public var isFile: Bool {
        switch content {
        case .text, .data: return false
        case .url, .raw: return true
        }
    }

    public var json: JSONValue {
        var object = JSONObject()
        switch content {
        case .text(let text): object["text"] = .string(text)
        case .data(let data): object["data"] = data
        case .url(let url): object["url"] = .string(url)
        case .raw(let raw): object["raw"] = .string(raw)
        }
        if let mediaType { object["mediaType"] = .string(mediaType) }
        if let filename { object["filename"] = .string(filename) }
        if let metadata { object["metadata"] = .object(metadata) }
        return .object(object)
    }

    /// Reads a part; `nil` when it holds none of text, data, url or raw.
    public init?(json value: JSONValue) {
        guard let object = value.objectValue else { return nil }
        if let text = object["text"]?.stringValue {
            content = .text(text)
        } else if let data = object["data"], !data.isNull {
            content = .data(data)
        } else if let url = object["url"]?.stringValue {
            content = .url(url)
        } else if let raw = object["raw"]?.stringValue {
            content = .raw(raw)
        } else {
            return nil
        }
        mediaType = object["mediaType"]?.stringValue
        filename = object["filename"]?.stringValue
        metadata = object["metadata"]?.objectValue
    }
}

extension [Part] {
    /// The text parts, joined by blank lines; data parts as compact JSON.
    public var text: String {
        compactMap { part -> String? in
            switch part.content {
            case .text(let text): return text
            case .data(let data): return JSONWriter(style: .compact).string(data)
            case .url, .raw: return nil
            }
        }.joined(separator: "\n\n")
    }
}
