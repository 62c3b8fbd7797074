import HTTPTypes
import Hummingbird
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch
import NIOCore

/// An error answered as JSON with a stable shape:
///
/// ```json
/// {"error": {"status": 404, "code": "not_found", "message": "no agent named 'x'", "field": null, "details": []}}
/// ```
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    /// Further problems, such as every issue of a rejected resume.
    public var details: [JSONValue]
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields
    /// The connection is closed after the answer: the rest of the request is not worth reading
    /// (a body over the size limit).
    public var closesConnection: Bool

    public init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil,
        details: [JSONValue] = [], headers: HTTPFields = [:], closesConnection: Bool = false
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers
        self.closesConnection = closesConnection
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public var json: JSONValue {
        [
            "error": [
                "status": .int(status.code), "code": .string(code), "message": .string(message),
                "field": .optional(field), "details": .array(details),
            ]
        ]
    }

    public var response: Response {
        var response = Response.json(json, status: status)
        for field in headers { response.headers.append(field) }
        if closesConnection { response.headers[.connection] = "close" }
        return response
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, "bad_request", message, field: field)
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    static func conflict(_ message: String) -> APIError { APIError(.conflict, "conflict", message) }

    /// The API's answer to any error thrown while handling a request. Errors that are not about
    /// the request (an unreadable file, a bug) become a 500 that says nothing about the internals.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let rejected as ResumeRejected:
            return APIError(
                .unprocessableContent, "invalid_resume", "the resume has \(rejected.issues.count) error(s)",
                details: rejected.issues.map(\.json))
        case let error as LemmingError:
            switch error.code {
            case .notFound: return APIError(.notFound, "not_found", error.description, field: error.field)
            case .badQuery: return APIError(.badRequest, "bad_query", error.message, field: error.field)
            case .invalidArgument: return APIError(.badRequest, "bad_request", error.description, field: error.field)
            case .conflict: return APIError(.conflict, "conflict", error.description, field: error.field)
            case .locked: return APIError(.conflict, "engine_running", error.message)
            case .invalidFile:
                return APIError(.unprocessableContent, "invalid", error.description, field: error.field)
            default: return internalError
            }
        case is NIOTooManyBytesError:
            return APIError(
                .contentTooLarge, "body_too_large", "the request body is too large", closesConnection: true)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "no_route", "no such endpoint")
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", "the request body is too large")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "method not allowed")
            default:
                let status = error.status
                return APIError(
                    status, status.code < 500 ? "bad_request" : "internal_error",
                    status.code < 500 ? (error.body ?? status.reasonPhrase) : "internal error")
            }
        default:
            return internalError
        }
    }

    static let internalError = APIError(.internalServerError, "internal_error", "internal error; see the server log")
}

extension ValidationIssue {
    /// A resume issue as the API reports it.
    var json: JSONValue {
        [
            "severity": .string(severity.rawValue), "file": .string(file), "field": .string(field),
            "rule": .string(rule), "message": .string(message),
        ]
    }
}
