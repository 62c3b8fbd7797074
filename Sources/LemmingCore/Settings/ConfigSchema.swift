import LemmingJSON

/// The JSON Schema (draft 2020-12) of `lemming.json`, derived from the table of `OrgSettings`.
///
/// Every setting is optional and may be `null` (its default then applies); unknown keys are allowed,
/// as the reader only warns about them. What the schema cannot say — that `tools.require_approval`
/// names an existing tool, that custom tools have different names — the reader still checks.
public enum ConfigSchema {
    /// The schema document, printed by `lemming schema config`.
    public static var document: JSONValue {
        var root: JSONObject = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://lemming.dev/schemas/lemming-v1.json",
            "title": "LeMMing org settings (format 1)",
            "description":
                "lemming.json: the org's settings, every one with a default. Unknown fields are kept and reported as warnings.",
        ]
        for (key, value) in OrgSettings.table.objectSchema(defaults: OrgSettings.defaults) { root[key] = value }
        return .object(root)
    }
}
