/// Why a call to a remote A2A agent failed, in words an agent (and a person) can act on. Messages
/// never hold header values (the credentials of `headers_env`).
public struct A2AClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The card could not be fetched or read.
        public static let invalidCard = Code(rawValue: "invalid_card")
        /// No connection, or an HTTP status other than 200.
        public static let transport = Code(rawValue: "transport")
        /// The agent answered with a JSON-RPC error, or with something that is not JSON-RPC.
        public static let remote = Code(rawValue: "remote")
        /// The task did not end within the deadline.
        public static let timeout = Code(rawValue: "timeout")
        /// The task ended without an answer (failed, canceled, rejected, needs authentication).
        public static let taskFailed = Code(rawValue: "task_failed")
    }

    public var code: Code
    public var message: String
    /// The JSON-RPC error code, for `.remote` errors that had one.
    public var remoteCode: Int?

    public init(_ code: Code, _ message: String, remoteCode: Int? = nil) {
        self.code = code
        self.message = message
        self.remoteCode = remoteCode
    }

    public var description: String { message }
}
