import LemmingJSON

/// The settings of one JSON object, parents before their children, and the one reader of them.
struct SettingsTable<Root>: Sendable {
    let settings: [Setting<Root>]

    init(_ settings: [Setting<Root>]) {
        self.settings = settings
    }

    /// The rows directly below the section at `path` (the top level for `[]`), in table order.
    func children(of path: [String]) -> [Setting<Root>] {
        settings.filter { $0.path.count == path.count + 1 && Array($0.path.dropLast()) == path }
    }

    /// The keys the section at `path` knows; any other key is an unknown field.
    func knownKeys(at path: [String]) -> Set<String> {
        Set(children(of: path).map(\.key))
    }

    /// Reads `object` into `root`, row by row in table order.
    ///
    /// Every section warns about keys the table does not know (`unknown_field`); a wrong value is an
    /// issue and leaves the value already in `root` (its default).
    /// - Parameters:
    ///   - prefix: the dotted path of `object` in issues (`tools.custom[2]`), empty for the file.
    func read(_ object: JSONObject, prefix: String = "", into root: inout Root, issues: inout IssueCollector) {
        read(object, at: [], prefix: prefix, into: &root, issues: &issues)
    }

    private func read(
        _ object: JSONObject, at path: [String], prefix: String, into root: inout Root, issues: inout IssueCollector
    ) {
        issues.warnUnknownKeys(object, known: knownKeys(at: path), prefix: prefix)
        for setting in children(of: path) {
            let input = Setting<Root>.Input(parent: object, key: setting.key, prefix: prefix)
            if setting.kind == .section {
                let section = issues.object(object, setting.key, prefix: prefix)
                read(section, at: setting.path, prefix: input.field, into: &root, issues: &issues)
            } else {
                setting.read?(input, &root, &issues)
            }
        }
    }

    /// The values of `root` as a document of this table's shape (every row that has a value).
    func document(of root: Root, at path: [String] = []) -> JSONObject {
        var object = JSONObject()
        for setting in children(of: path) {
            if setting.kind == .section {
                object[setting.key] = .object(document(of: root, at: setting.path))
            } else if let value = setting.value?(root) {
                object[setting.key] = value
            }
        }
        return object
    }
}
