import LemmingJSON

/// The JSON Schema (draft 2020-12) of a table's object, derived row by row.
///
/// Every row accepts `null` unless it says otherwise, because the reader takes `null` as absent; and
/// every object allows other keys (`additionalProperties: true`), because unknown keys are kept and
/// only warned about.
extension SettingsTable {
    /// The schema of the object at `path` (the whole document for `[]`).
    /// - Parameters:
    ///   - defaults: a default-made `Root`, whose values are the `default`s.
    func objectSchema(at path: [String] = [], defaults: Root) -> JSONObject {
        var schema = JSONObject()
        schema["type"] = "object"
        let rows = children(of: path)
        var properties = JSONObject()
        for setting in rows {
            properties[setting.key] = .object(self.schema(of: setting, defaults: defaults))
        }
        schema["properties"] = .object(properties)
        let required = rows.filter(\.isRequired).map(\.key)
        if !required.isEmpty { schema["required"] = .strings(required) }
        schema["additionalProperties"] = true
        return schema
    }

    private func schema(of setting: Setting<Root>, defaults: Root) -> JSONObject {
        var schema = JSONObject()
        let type = JSONValue.string(setting.kind.schemaType)
        schema["type"] = setting.isNullable ? [type, "null"] : type
        schema["description"] = .string(setting.description)
        if setting.kind == .section {
            for (key, value) in objectSchema(at: setting.path, defaults: defaults) where key != "type" {
                schema[key] = value
            }
        }
        if let minimum = setting.minimum { schema["minimum"] = Self.number(minimum) }
        if let maximum = setting.maximum { schema["maximum"] = Self.number(maximum) }
        if !setting.choices.isEmpty {
            schema["enum"] = .array(setting.choices.map(JSONValue.string) + (setting.isNullable ? [.null] : []))
        }
        if setting.kind == .strings {
            var items: JSONObject = ["type": "string"]
            if let pattern = setting.pattern { items["pattern"] = .string(pattern) }
            schema["items"] = .object(items)
        } else if let pattern = setting.pattern {
            schema["pattern"] = .string(pattern)
        }
        for (key, value) in setting.schemaExtras { schema[key] = value }
        if setting.defaultNote == nil, !setting.isRequired, let value = setting.value?(defaults) {
            schema["default"] = value
        }
        return schema
    }

    private static func number(_ value: Double) -> JSONValue {
        Int(exactly: value).map(JSONValue.int) ?? .double(value)
    }
}
