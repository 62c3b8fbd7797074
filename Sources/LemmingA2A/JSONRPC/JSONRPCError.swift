import LemmingJSON

/// A JSON-RPC 2.0 error as A2A v1.0 answers it (A2A §5.4 and §9.5; the codes `a2a-sdk`'s
/// `JSON_RPC_ERROR_CODE_MAP` uses), with a message a person can act on.
public struct JSONRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error codes: JSON-RPC's own and A2A's (`-32001` to `-32009`).
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let parseError = Code(rawValue: -32_700)
        public static let invalidRequest = Code(rawValue: -32_600)
        public static let methodNotFound = Code(rawValue: -32_601)
        public static let invalidParams = Code(rawValue: -32_602)
        public static let internalError = Code(rawValue: -32_603)
        public static let taskNotFound = Code(rawValue: -32_001)
        public static let taskNotCancelable = Code(rawValue: -32_002)
        public static let pushNotificationNotSupported = Code(rawValue: -32_003)
        public static let unsupportedOperation = Code(rawValue: -32_004)
        public static let contentTypeNotSupported = Code(rawValue: -32_005)
        public static let versionNotSupported = Code(rawValue: -32_009)
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func invalidParams(_ message: String) -> JSONRPCError { JSONRPCError(.invalidParams, message) }
    public static func taskNotFound(_ id: String) -> JSONRPCError { JSONRPCError(.taskNotFound, "no task '\(id)'") }

    public var description: String { "JSON-RPC error \(code.rawValue): \(message)" }

    /// The `error` member of a response.
    public var json: JSONValue { ["code": .int(code.rawValue), "message": .string(message)] }

    /// The whole response to the request `id` (`null` when it could not be read).
    public func response(id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": json]
    }
}
