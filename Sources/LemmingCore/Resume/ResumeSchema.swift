import LemmingJSON

/// The JSON Schema (draft 2020-12) of `resume.json`, derived from ``ResumeSpec``.
public enum ResumeSchema {
    /// The schema document (a JSON Schema draft 2020-12 object), as `lemming schema resume` prints it.
    public static var document: JSONValue {
        var root = objectSchema(at: [])
        var header = JSONObject()
        header["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        header["$id"] = "https://lemming.dev/schemas/resume-v1.json"
        header["title"] = "LeMMing agent resume (format 1)"
        header["description"] = .string(
            "agents/<name>/resume.json: the agent's whole contract. Unknown fields are kept and reported as warnings."
        )
        for (key, value) in root { header[key] = value }
        root = header
        return .object(root)
    }

    private static func objectSchema(at path: [String]) -> JSONObject {
        var schema = JSONObject()
        schema["type"] = "object"
        let children = ResumeSpec.children(of: path)
        var properties = JSONObject()
        for field in children {
            properties[field.path.last ?? ""] = .object(fieldSchema(field))
        }
        schema["properties"] = .object(properties)
        let required = children.filter(\.isRequired).compactMap(\.path.last)
        if !required.isEmpty { schema["required"] = .strings(required) }
        schema["additionalProperties"] = true
        return schema
    }

    private static func fieldSchema(_ field: ResumeSpec.Field) -> JSONObject {
        var schema = field.kind == .object ? objectSchema(at: field.path) : JSONObject()
        // The validator reads `null` in an optional field as absent (the default applies).
        schema["type"] = field.isRequired ? .string(field.kind.schemaType) : [.string(field.kind.schemaType), "null"]
        schema["description"] = .string(field.description)
        if let minLength = field.minLength { schema["minLength"] = .int(minLength) }
        if let maxLength = field.maxLength { schema["maxLength"] = .int(maxLength) }
        if let pattern = field.pattern { schema["pattern"] = .string(pattern.regex) }
        if let minimum = field.minimum { schema["minimum"] = number(minimum) }
        if let maximum = field.maximum { schema["maximum"] = number(maximum) }
        if field.kind == .stringArray {
            var items = JSONObject()
            items["type"] = "string"
            if let pattern = field.itemPattern { items["pattern"] = .string(pattern.regex) }
            schema["items"] = .object(items)
        }
        if let defaultValue = field.defaultValue { schema["default"] = defaultValue }
        return schema
    }

    private static func number(_ value: Double) -> JSONValue {
        if let integer = Int(exactly: value) { return .int(integer) }
        return .double(value)
    }
}
