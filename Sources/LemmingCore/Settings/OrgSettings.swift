import LemmingJSON

/// Every setting of `lemming.json` (DESIGN §4.5), as one table.
///
/// ``OrgConfig/parse(_:file:defaultName:)`` reads the file with it, `lemming schema config` prints
/// its JSON Schema (``ConfigSchema``) and a test keeps the README's table in step with it. Each
/// default is the value of a default-made ``OrgConfig``: adding a setting is one property and one
/// row.
enum OrgSettings {
    /// The rows, sections before their settings: the engine's, then `tools`, then `server`.
    static let table = SettingsTable(engine + tools + server)

    /// The settings of an org with no `lemming.json` (its `name` is the folder's, set by the reader).
    static var defaults: OrgConfig { OrgConfig(name: "") }
}
