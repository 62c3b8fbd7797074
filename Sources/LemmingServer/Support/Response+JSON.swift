import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import LemmingCore
import LemmingJSON
import NIOCore

extension Response {
    /// A JSON response written by the core's JSON writer.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(JSONWriter(style: .compact).bytes(value))
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: buffer))
    }
}

extension Request {
    /// The body, at most `limit` bytes; see ``jsonObject(limit:)``.
    ///
    /// - Throws: ``APIError`` 413 when it is larger.
    func bodyBytes(limit: Int) async throws -> [UInt8] {
        let tooLarge = APIError(
            .contentTooLarge, "body_too_large",
            "the request body is larger than \(limit) bytes (server.max_body_bytes)",
            closesConnection: true)
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return Array(try await body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    /// The body as a JSON object, at most `limit` bytes.
    ///
    /// A body over the limit is refused as soon as that is known: at once for a declared
    /// `Content-Length`, after the chunk that passes the limit for a chunked body. The connection is
    /// then closed after the answer instead of reading the rest of the body.
    ///
    /// - Throws: ``APIError`` 413 when it is larger, 400 when it is not a JSON object.
    func jsonObject(limit: Int) async throws -> JSONObject {
        let bytes = try await bodyBytes(limit: limit)
        if bytes.isEmpty { return JSONObject() }
        guard let value = try? JSONValue.parse(bytes) else {
            throw APIError.badRequest("the body is not valid JSON")
        }
        guard let object = value.objectValue else { throw APIError.badRequest("the body must be a JSON object") }
        return object
    }
}

/// Reads and checks query parameters; a bad one is a 400 naming it.
///
/// The query is read as `application/x-www-form-urlencoded` (WHATWG URL standard): `+` is a
/// space, as HTML forms and most clients send it, and `%2B` a plus. The first of repeated
/// parameters counts.
struct Query {
    let parameters: [String: String]

    init(_ request: Request) {
        self.init(raw: request.uri.query ?? "")
    }

    init(raw: String) {
        var parameters: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String in
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if parameters[name] == nil { parameters[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        self.parameters = parameters
    }

    func string(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A comma-separated list (`agent=a,b`), or `nil` when absent.
    func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
    }

    func int(_ name: String, default value: Int? = nil, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest(
                "must be an integer from \(range.lowerBound) to \(range.upperBound) (got '\(text)')", field: name)
        }
        return number
    }

    func bool(_ name: String) throws -> Bool {
        guard let text = string(name) else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("must be true or false (got '\(text)')", field: name)
        }
    }

    /// `limit`: 1...max, default `default`.
    func limit(default value: Int = 50, max: Int = 500) throws -> Int {
        try int("limit", default: value, in: 1...max) ?? value
    }
}
