import Crypto
import LemmingCore
import LemmingJSON

/// What defines a model call, hashed: the request a cassette line answered and a strict playback
/// compares.
///
/// The hash is SHA-256 (lower-case hex) over the canonical encoding of the request: compact JSON
/// (``JSONWriter``, no spaces, keys in this order, strings escaped the same way on every machine,
/// doubles in Swift's shortest round-trip form) of
///
///     {"messages":[{"role":"system","content":"…"},…],"temperature":0.2,"max_tokens":1024,
///      "response_schema":{…} or null}
///
/// Each message also has its own hash, SHA-256 over `{"role":"…","content":"…"}` encoded the same
/// way, so a mismatch can name the first message that differs. The agent and tick are not part of
/// the hash (they are how a line is found), nor the model key or the provider-side model (a
/// cassette plays back under any key), nor the engine's own cap on a reply's size, nor the
/// request's cache breakpoints (``ChatRequest/cacheBreakpoints``: a hint to the provider that
/// changes nothing the model reads). The prompt layout of issue 16 (tools and memory before the
/// tick) changed the user message, so a cassette recorded before it no longer matches strictly:
/// record it again, or play it `lenient`.
public struct RequestFingerprint: Sendable, Equatable {
    /// One message: its role, text and hash.
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
        public var sha256: String
    }

    /// The hash of the whole request.
    public var sha256: String
    public var messages: [Message]
    public var temperature: Double
    public var maxTokens: Int
    /// The hash of the response schema (the same encoding), `nil` when the request had none.
    public var responseSchemaSHA256: String?

    /// The fingerprint of `request`.
    public init(_ request: ChatRequest) {
        var encoded: [JSONValue] = []
        messages = request.messages.map { message in
            let json: JSONValue = ["role": .string(message.role.rawValue), "content": .string(message.content)]
            encoded.append(json)
            return Message(role: message.role.rawValue, content: message.content, sha256: Self.sha256(json))
        }
        temperature = request.temperature
        maxTokens = request.maxTokens
        responseSchemaSHA256 = request.responseSchema.map(Self.sha256)
        let canonical: JSONValue = [
            "messages": .array(encoded), "temperature": .double(request.temperature),
            "max_tokens": .int(request.maxTokens), "response_schema": request.responseSchema ?? .null,
        ]
        sha256 = Self.sha256(canonical)
    }

    init(
        sha256: String, messages: [Message], temperature: Double, maxTokens: Int, responseSchemaSHA256: String?
    ) {
        self.sha256 = sha256
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.responseSchemaSHA256 = responseSchemaSHA256
    }

    /// SHA-256 of the compact JSON of `value`, as lower-case hex.
    static func sha256(_ value: JSONValue) -> String {
        let digest = SHA256.hash(data: JSONWriter(style: .compact).bytes(value))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension RequestFingerprint {
    /// Why a request differs from a recorded one, in a sentence that names the first difference:
    /// a message (index from 1, role, a short excerpt of both around the first character that
    /// differs), the number of messages, or a parameter. `nil` when they are the same request.
    public func difference(from recorded: RequestFingerprint) -> String? {
        guard sha256 != recorded.sha256 else { return nil }
        for index in 0..<min(messages.count, recorded.messages.count) {
            let now = messages[index]
            let then = recorded.messages[index]
            guard now.sha256 != then.sha256 else { continue }
            if now.role != then.role {
                return "message \(index + 1) is a \(now.role) message, recorded a \(then.role) message: now "
                    + "\(Excerpt.start(of: now.content)), recorded \(Excerpt.start(of: then.content))"
            }
            let (nowExcerpt, thenExcerpt, offset) = Excerpt.around(firstDifferenceOf: now.content, then.content)
            return "message \(index + 1) (\(now.role)) differs at character \(offset + 1): now \(nowExcerpt), "
                + "recorded \(thenExcerpt)"
        }
        if messages.count > recorded.messages.count {
            let extra = messages[recorded.messages.count]
            return "the request has \(messages.count) messages, the recording \(recorded.messages.count): message "
                + "\(recorded.messages.count + 1) (\(extra.role)) is new: \(Excerpt.start(of: extra.content))"
        }
        if messages.count < recorded.messages.count {
            let missing = recorded.messages[messages.count]
            return "the request has \(messages.count) messages, the recording \(recorded.messages.count): message "
                + "\(messages.count + 1) (\(missing.role)) is missing: recorded \(Excerpt.start(of: missing.content))"
        }
        if temperature != recorded.temperature {
            return "the messages are the same, the temperature differs: now \(temperature), recorded "
                + "\(recorded.temperature)"
        }
        if maxTokens != recorded.maxTokens {
            return "the messages are the same, max_tokens differs: now \(maxTokens), recorded \(recorded.maxTokens)"
        }
        if responseSchemaSHA256 != recorded.responseSchemaSHA256 {
            return "the messages are the same, the response schema differs"
        }
        return "the request hash differs (\(sha256.prefix(12))…, recorded \(recorded.sha256.prefix(12))…)"
    }
}

/// Short, quoted excerpts of texts for error messages.
enum Excerpt {
    /// Characters shown before the first difference.
    static let before = 24
    /// Characters shown from the first difference on.
    static let after = 40

    /// The start of `text`, quoted.
    static func start(of text: String) -> String {
        quote(Array(text), from: 0, to: after + before)
    }

    /// Both texts around the first character where they differ, quoted, and that character's
    /// offset (in characters).
    static func around(firstDifferenceOf first: String, _ second: String) -> (String, String, Int) {
        let one = Array(first)
        let two = Array(second)
        var offset = 0
        while offset < one.count, offset < two.count, one[offset] == two[offset] { offset += 1 }
        let start = max(0, offset - before)
        return (quote(one, from: start, to: offset + after), quote(two, from: start, to: offset + after), offset)
    }

    private static func quote(_ characters: [Character], from start: Int, to end: Int) -> String {
        let end = min(end, characters.count)
        guard start < end else { return "“” (end of text)" }
        let text = String(characters[start..<end]).map { $0 == "\n" ? "⏎" : String($0) }.joined()
        return "“" + (start > 0 ? "…" : "") + text + (end < characters.count ? "…" : "") + "”"
    }
}
