import LemmingJSON

/// Checks a tool call's arguments against the tool's JSON Schema before it runs.
///
/// It understands the part of JSON Schema tool schemas use: `type` (one or a list), `properties`,
/// `required`, `additionalProperties: false`, `items`, `enum`, `minLength`/`maxLength`,
/// `minimum`/`maximum` and `minItems`/`maxItems`. Other keywords are ignored.
public enum ArgumentValidator {
    /// The first problem with `value`, or `nil` when it conforms.
    public static func problem(with value: JSONValue, schema: JSONValue, path: String = "args") -> String? {
        guard let schema = schema.objectValue else { return nil }
        if let type = schema["type"] {
            let allowed = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
            guard allowed.isEmpty || allowed.contains(where: { matches(value, type: $0) }) else {
                return
                    "\(path) must be \(allowed.map(article).joined(separator: " or ")) (got \(value.typeDescription))"
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            return "\(path) must be one of \(options.map(\.compactText).joined(separator: ", "))"
        }
        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.intValue, length < minimum {
                return minimum == 1 ? "\(path) must not be empty" : "\(path) must have at least \(minimum) characters"
            }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                return "\(path) must have at most \(maximum) characters (got \(length))"
            }
        case .int, .double:
            let number = value.doubleValue ?? 0
            if let minimum = schema["minimum"], let bound = minimum.doubleValue, number < bound {
                return "\(path) must be ≥ \(minimum.compactText)"
            }
            if let maximum = schema["maximum"], let bound = maximum.doubleValue, number > bound {
                return "\(path) must be ≤ \(maximum.compactText)"
            }
        case .array(let items):
            if let minimum = schema["minItems"]?.intValue, items.count < minimum {
                return "\(path) must have at least \(minimum) items"
            }
            if let maximum = schema["maxItems"]?.intValue, items.count > maximum {
                return "\(path) must have at most \(maximum) items"
            }
            if let itemSchema = schema["items"] {
                for (position, item) in items.enumerated() {
                    if let problem = problem(with: item, schema: itemSchema, path: "\(path)[\(position)]") {
                        return problem
                    }
                }
            }
        case .object(let object):
            let properties = schema["properties"]?.objectValue ?? JSONObject()
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                return "\(path).\(name) is required"
            }
            for (key, member) in object {
                if let memberSchema = properties[key] {
                    if let problem = problem(with: member, schema: memberSchema, path: "\(path).\(key)") {
                        return problem
                    }
                } else if schema["additionalProperties"]?.boolValue == false {
                    let known = properties.keys.joined(separator: ", ")
                    return
                        "\(path).\(key) is not an argument of this tool (arguments: \(known.isEmpty ? "none" : known))"
                }
            }
        case .null, .bool:
            break
        }
        return nil
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("null", .null):
            return true
        case ("integer", _):
            return value.intValue != nil
        case ("number", .int), ("number", .double):
            return true
        default:
            return false
        }
    }

    private static func article(_ type: String) -> String {
        ["integer", "object", "array"].contains(type) ? "an \(type)" : "a \(type)"
    }
}
