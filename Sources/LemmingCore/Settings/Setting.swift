import LemmingJSON

/// One setting of a JSON settings file (`lemming.json`): where it is, what it may hold, what it means
/// and how it is read into the settings struct `Root`.
///
/// A table of settings (``SettingsTable``) is the one place a setting is described: the reader, the
/// unknown-field warnings, the JSON Schema of `lemming schema config` and the README's table all
/// come from it. A default is never written here: it is read from a default-made `Root` through
/// ``value``, so the struct's property is the only place that states it.
struct Setting<Root>: Sendable {
    /// The JSON shape of a setting.
    enum Kind: Sendable, Equatable {
        case integer
        case number
        case string
        case boolean
        /// An array of strings.
        case strings
        /// An object of further settings (the rows below it in the table).
        case section
        /// An array of objects, each read by a table of its own (`tools.custom`).
        case objects
        /// Any JSON object (a custom tool's argument schema).
        case object

        var schemaType: String {
            switch self {
            case .integer: return "integer"
            case .number: return "number"
            case .string: return "string"
            case .boolean: return "boolean"
            case .strings, .objects: return "array"
            case .section, .object: return "object"
            }
        }
    }

    /// Where a setting is read from: its parent object, its key and the dotted path of the parent.
    struct Input {
        var parent: JSONObject
        var key: String
        /// The dotted path of the parent in issues (`tools.shell`, `tools.custom[0]`), empty at the top.
        var prefix: String

        /// The value, `nil` when absent.
        var value: JSONValue? { parent[key] }
        /// The dotted path of the setting in issues (`tools.shell.allow`).
        var field: String { prefix.isEmpty ? key : prefix + "." + key }
    }

    /// Reads one setting into `root`; a wrong value becomes an issue and leaves `root` as it was.
    typealias Reader = @Sendable (_ input: Input, _ root: inout Root, _ issues: inout IssueCollector) -> Void

    /// The keys from the top of the file (`["server", "rate_limits", "reads_per_minute"]`).
    var path: [String]
    var kind: Kind
    /// One or two sentences for the schema and the README.
    var description: String
    /// Whether `null` is accepted (and read as absent).
    var isNullable = true
    /// Whether the setting must be present (in a custom tool's object).
    var isRequired = false
    /// Bounds of a number, as the schema states them.
    var minimum: Double?
    var maximum: Double?
    /// The values a string may take.
    var choices: [String] = []
    /// A regular expression (ECMA-262, as JSON Schema uses) that a string, or each string of an
    /// array, matches.
    var pattern: String?
    /// Further JSON Schema keywords (an array's `items`, `minItems`, a `not`).
    var schemaExtras = JSONObject()
    /// The setting's value in a `Root`, as JSON; its value in a default-made `Root` is the default.
    var value: (@Sendable (Root) -> JSONValue)?
    /// The default in words, when it is no fixed value (`the folder's name`); the schema then states
    /// none.
    var defaultNote: String?
    /// How the value is read; `nil` for a ``Kind/section``, whose rows are read instead.
    var read: Reader?

    /// The dotted path (`inbox.max_entries`).
    var dottedPath: String { path.joined(separator: ".") }
    /// The last key of the path.
    var key: String { path.last ?? "" }
}
