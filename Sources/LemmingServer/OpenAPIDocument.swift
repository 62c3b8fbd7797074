import HTTPTypes
import LemmingCore
import LemmingJSON

/// The OpenAPI 3.1 document of the API, generated from the route table so it cannot drift.
enum OpenAPIDocument {
    static func make(routes: [APIRoute], title: String) -> JSONValue {
        var paths = JSONObject()
        for route in routes {
            var item = paths[route.path]?.objectValue ?? JSONObject()
            item[route.method.rawValue.lowercased()] = operation(route)
            paths[route.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": .string("LeMMing API: \(title)"), "version": "1",
                "description": .string(
                    "Watch and drive a LeMMing org. Errors are JSON: {\"error\": {status, code, message, field, "
                        + "details}}. GET /api/events upgrades to a WebSocket that pushes engine events. Requests "
                        + "must name the server in Host; a body must be application/json; a change (or the "
                        + "WebSocket upgrade) sent with an Origin must come from the server's own origin or one of "
                        + "server.cors_origins. A key is sent as Authorization: Bearer <key>, or held by a browser "
                        + "as the session cookie of POST /api/session; a change made with that cookie must send the "
                        + "session's csrf_token in the header X-CSRF-Token."),
            ],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer"],
                    "cookieAuth": [
                        "type": "apiKey", "in": "cookie", "name": .string(SessionTokens.cookieName),
                        "description": .string(
                            "The session of POST /api/session; changes also send X-CSRF-Token."),
                    ],
                ],
                "schemas": [
                    "Error": [
                        "type": "object", "required": ["error"],
                        "properties": [
                            "error": [
                                "type": "object", "required": ["status", "code", "message"],
                                "properties": [
                                    "status": ["type": "integer"], "code": ["type": "string"],
                                    "message": ["type": "string"], "field": ["type": ["string", "null"]],
                                    "details": ["type": "array"],
                                ],
                            ]
                        ],
                    ]
                ],
            ],
        ]
    }

    private static func operation(_ route: APIRoute) -> JSONValue {
        var operation = JSONObject()
        operation["operationId"] = .string(route.operationID)
        operation["summary"] = .string(route.summary)
        operation["tags"] = .strings([route.tag])
        var parameters: [JSONValue] = route.pathParameters.map {
            ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        for parameter in route.query {
            parameters.append([
                "name": .string(parameter.name), "in": "query", "required": false,
                "description": .string(parameter.description), "schema": ["type": .string(parameter.type)],
            ])
        }
        if route.access == .write {
            parameters.append([
                "name": .string(SessionTokens.csrfHeaderName), "in": "header", "required": false,
                "description":
                    "The session's csrf_token, required when the request is authorised by the session cookie.",
                "schema": ["type": "string"],
            ])
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body = route.body {
            operation["requestBody"] = [
                "required": true, "content": ["application/json": ["schema": body]],
            ]
        }
        var responses = JSONObject()
        responses[String(route.success)] = [
            "description": "Success", "content": ["application/json": ["schema": ["type": "object"]]],
        ]
        // Every request is refused 400/421 for a Host that does not name the server; changes from a
        // foreign Origin 403, bodies that are not JSON 415 (BrowserPolicy).
        var errors = [400, 421] + route.errors
        if route.access != .open { errors += [401, 429] }
        if route.access == .write { errors.append(403) }
        if route.body != nil { errors += [413, 415] }
        for status in Set(errors + [500]).sorted() {
            responses[String(status)] = [
                "description": .string(description(of: status)),
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
        }
        operation["responses"] = .object(responses)
        if route.access != .open { operation["security"] = [["bearer": []], ["cookieAuth": []], [:]] }
        return .object(operation)
    }

    private static func description(of status: Int) -> String {
        switch status {
        case 400: return "Bad request"
        case 401: return "Missing or wrong API key or session"
        case 403:
            return "A change from a web page whose Origin is neither the server's nor in server.cors_origins, or "
                + "made with the session cookie without its X-CSRF-Token"
        case 404: return "Not found"
        case 409: return "Conflict"
        case 413: return "Body too large (server.max_body_bytes); the connection is closed"
        case 415: return "The body is not sent as Content-Type: application/json"
        case 421: return "The Host header does not name this server (see server.allowed_hosts)"
        case 426: return "A WebSocket upgrade is required"
        case 503: return "Not ready"
        case 422: return "Invalid content"
        case 429: return "Too many requests"
        default: return "Internal error"
        }
    }
}
