import LemmingJSON

/// A JSON-RPC 2.0 request (one object; A2A does not use batches).
public struct JSONRPCRequest: Sendable, Equatable {
    /// A string, an integer or `null`.
    public var id: JSONValue
    public var method: String
    public var params: JSONObject

    public init(id: JSONValue, method: String, params: JSONObject) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// The request as JSON.
    public var json: JSONValue {
        ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(params)]
    }

    /// Reads a request body.
    ///
    /// - Returns: the request, or the error to answer with the request's id when it could be read
    ///   (`null` otherwise): parse error (not JSON), invalid request (not a JSON-RPC 2.0 request
    ///   object, a batch, a bad id), invalid params (`params` not an object).
    public static func read(_ bytes: [UInt8]) -> Result<JSONRPCRequest, Failure> {
        guard let value = try? JSONValue.parse(bytes) else {
            return .failure(Failure(id: .null, error: JSONRPCError(.parseError, "the body is not valid JSON")))
        }
        guard let object = value.objectValue else {
            let what =
                value.arrayValue != nil ? "batches are not supported: send one request object" : "must be an object"
            return .failure(Failure(id: .null, error: JSONRPCError(.invalidRequest, "the request \(what)")))
        }
        let id = object["id"] ?? .null
        switch id {
        case .string, .int, .null: break
        default:
            // An id that is none of these cannot be echoed: the error goes to `null`.
            return .failure(
                Failure(id: .null, error: JSONRPCError(.invalidRequest, "id must be a string, an integer or null")))
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            return .failure(Failure(id: id, error: JSONRPCError(.invalidRequest, "jsonrpc must be exactly \"2.0\"")))
        }
        guard let method = object["method"]?.stringValue, !method.isEmpty else {
            return .failure(Failure(id: id, error: JSONRPCError(.invalidRequest, "method must be a non-empty string")))
        }
        let params = object["params"] ?? .object([:])
        guard let parameters = params.isNull ? JSONObject() : params.objectValue else {
            return .failure(Failure(id: id, error: .invalidParams("params must be an object")))
        }
        return .success(JSONRPCRequest(id: id, method: method, params: parameters))
    }

    /// A request that cannot be answered, and the id to answer its error with.
    public struct Failure: Error, Sendable, Equatable {
        public var id: JSONValue
        public var error: JSONRPCError
    }

    /// The success response to this request.
    public func result(_ value: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": value]
    }
}
