import Foundation
import LemmingCore
import LemmingJSON

/// How strongly a request asks for the reply's shape.
public enum StructuredOutput: Int, Sendable, Comparable {
    /// The reply schema, through the provider's mechanism.
    case schema
    /// JSON without a schema (OpenAI `json_object`, Gemini's JSON MIME type, Ollama `"json"`).
    case jsonMode
    /// Only the prompt describes the shape.
    case plain

    public static func < (lhs: StructuredOutput, rhs: StructuredOutput) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One provider's wire format: how a chat request becomes an HTTP request, and how the answer
/// (whole, or streamed) becomes a ``ChatResponse``.
public protocol WireFormat: Sendable {
    /// The provider's name in messages ("OpenAI").
    var name: String { get }

    /// The URL of a call.
    func url(settings: HTTPSettings, streaming: Bool) -> String

    /// The headers of a call (the key included; they are never logged).
    func headers(settings: HTTPSettings) -> [(String, String)]

    /// The JSON body of a call at a level of structured output (`.jsonMode` is asked for only when
    /// ``supportsJSONMode``).
    func body(for request: ChatRequest, settings: HTTPSettings, output: StructuredOutput, streaming: Bool) -> JSONValue

    /// Whether the format has a JSON mode to fall back to when the schema is rejected.
    var supportsJSONMode: Bool { get }

    /// The reply in a whole (non-streaming) response body: the visible text, the reasoning apart,
    /// and the finish in the engine's terms (``ChatResponse/finish``). A body that holds an answer,
    /// even an empty, cut-off or refused one, is a response; only a body that is not an answer of
    /// the format throws.
    ///
    /// - Throws: ``ProviderError`` (`invalid_response`) when the body is not an answer.
    func parse(_ body: JSONValue) throws -> ChatResponse

    /// A decoder for a streamed response body.
    func makeStreamDecoder() -> any StreamDecoder

    /// The provider's explanation in an error body, if it has one.
    func errorMessage(in body: JSONValue) -> String?
}

extension WireFormat {
    /// Whether the format has a JSON mode to fall back to when the schema is rejected.
    public var supportsJSONMode: Bool { false }

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

    /// The tokens the stream reported so far, for a call stopped before its end.
    var reportedUsage: TokenUsage? { get }
}

extension StreamDecoder {
    public var reportedUsage: TokenUsage? { nil }
}

/// Reasoning a model wrote into its visible content, as `<think>…</think>` (DeepSeek R1, Qwen3
/// and others behind servers that do not separate it).
enum ThinkTags {
    /// Splits a leading `<think>` or `<thinking>` block off `content`: the rest is the answer. An
    /// unclosed block (the reply was cut off while thinking) is all reasoning.
    static func split(_ content: String) -> (text: String, reasoning: String?) {
        let start = content.drop { $0.isWhitespace }
        for (open, close) in [("<think>", "</think>"), ("<thinking>", "</thinking>")] where start.hasPrefix(open) {
            let body = start.dropFirst(open.count)
            guard let end = body.range(of: close) else { return ("", String(body)) }
            return (String(body[end.upperBound...].drop { $0.isWhitespace }), String(body[..<end.lowerBound]))
        }
        return (content, nil)
    }

    /// Reasoning from a separate field and from the content's tags, joined; `nil` when both are
    /// empty.
    static func joined(_ parts: String?...) -> String? {
        let present = parts.compactMap { $0 }.filter { !$0.isEmpty }
        return present.isEmpty ? nil : present.joined(separator: "\n")
    }
}
