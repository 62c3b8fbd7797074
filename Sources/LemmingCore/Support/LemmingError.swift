/// An error of the engine, with a code callers can compare and a message a person can act on.
///
/// When it is about a file, `path` names it (relative to the org when possible) and `field` names
/// the JSON field; ``description`` renders them as one line: `path: field: message`.
public struct LemmingError: Error, Sendable, CustomStringConvertible {
    /// The kind of error. Extensible: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable snake_case name (`not_found`), as the CLI's `--json` and the API show it.
        public let name: String
        /// A code named `name` (snake_case); other targets add theirs as static members.
        public init(_ name: String) { self.name = name }
        /// The code's ``name``.
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

    /// What kind of error; compare it, not the message.
    public var code: Code
    /// What is wrong and, where it helps, what to do, in one sentence; never a secret.
    public var message: String
    /// The file or directory concerned, relative to the org when possible; `nil` when none is.
    public var path: String?
    /// The JSON field concerned, as a dotted path (`schedule.run_every_n_ticks`); `nil` when none is.
    public var field: String?
    /// The error that caused this one (a system error, a decoding error), when there is one.
    public var underlying: (any Error & Sendable)?

    /// An error of kind `code` saying `message`, about `path` and `field` when given.
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

    /// One line: `path: field: message`, leaving out what is `nil`.
    public var description: String {
        [path, field, message].compactMap { $0 }.joined(separator: ": ")
    }
}
