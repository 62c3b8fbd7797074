/// An error of the engine, with a code callers can compare and a message a person can act on.
///
/// When it is about a file, `path` names it (relative to the org when possible) and `field` names
/// the JSON field; ``description`` renders them as one line: `path: field: message`.
public struct LemmingError: Error, Sendable, CustomStringConvertible {
    /// The kind of error. Extensible: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file or directory could not be read or written.
        public static let io = Code("io")
        /// A file exists but its content is not valid (bad JSON, wrong field types).
        public static let invalidFile = Code("invalid_file")
        /// The directory is not an org (no `lemming.json`).
        public static let notAnOrg = Code("not_an_org")
        /// Another process holds the engine lock.
        public static let locked = Code("locked")
        /// An argument given by the user is not acceptable.
        public static let invalidArgument = Code("invalid_argument")
        /// A named thing (agent, model key) does not exist.
        public static let notFound = Code("not_found")
        /// The thing to create exists already.
        public static let conflict = Code("conflict")
        /// The org was written by a newer version of LeMMing.
        public static let unsupportedFormat = Code("unsupported_format")
        /// A model provider is misconfigured or failed.
        public static let provider = Code("provider")
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var field: String?
    public var underlying: (any Error & Sendable)?

    public init(
        _ code: Code,
        _ message: String,
        path: String? = nil,
        field: String? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.field = field
        self.underlying = underlying
    }

    public var description: String {
        [path, field, message].compactMap { $0 }.joined(separator: ": ")
    }
}
