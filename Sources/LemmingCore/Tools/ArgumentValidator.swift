import LemmingJSON

/// Checks a tool call's arguments against the tool's JSON Schema before it runs.
///
/// It understands the part of JSON Schema tool schemas use (JSON Schema 2020-12): `type` (one or
/// a list), `properties`, `required`, `additionalProperties: false`, `items`, `enum`, `const`,
/// `minLength`/`maxLength`, `minimum`/`maximum`, `exclusiveMinimum`/`exclusiveMaximum`,
/// `minItems`/`maxItems`, `anyOf`/`oneOf` (a value must match one of the forms; `oneOf` is not
/// checked for matching only one), `allOf`, and `$ref` to the schema's own `$defs` or
/// `definitions` (as MCP servers built on pydantic send them). Other keywords are ignored: the
/// check never refuses what the schema allows, and the tool checks the rest itself.
public enum ArgumentValidator {
    /// The first problem with `value`, or `nil` when it conforms.
    public static func problem(with value: JSONValue, schema: JSONValue, path: String = "args") -> String? {
        problem(with: value, schema: schema, root: schema, path: path, depth: 0)
    }

    /// How many `$ref`s deep a check follows (a schema may refer to itself).
    private static let maxDepth = 32

    private static func problem(
        with value: JSONValue, schema: JSONValue, root: JSONValue, path: String, depth: Int
    ) -> String? {
        guard depth < maxDepth, var schema = schema.objectValue else { return nil }
        if let reference = schema["$ref"]?.stringValue {
            guard let target = resolve(reference, in: root) else { return nil }
            if let problem = Self.problem(with: value, schema: target, root: root, path: path, depth: depth + 1) {
                return problem
            }
            schema["$ref"] = nil
        }
        for keyword in ["anyOf", "oneOf"] {
            guard let forms = schema[keyword]?.arrayValue, !forms.isEmpty else { continue }
            let problems = forms.map { problem(with: value, schema: $0, root: root, path: path, depth: depth + 1) }
            if !problems.contains(where: { $0 == nil }) {
                return problems.count == 1
                    ? problems[0]
                    : "\(path) matches none of its \(forms.count) forms (\(problems.compactMap { $0 }[0]))"
            }
        }
        for form in schema["allOf"]?.arrayValue ?? [] {
            if let problem = problem(with: value, schema: form, root: root, path: path, depth: depth + 1) {
                return problem
            }
        }
        if let constant = schema["const"], constant != value {
            return "\(path) must be \(constant.compactText)"
        }
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
            if let minimum = schema["exclusiveMinimum"], let bound = minimum.doubleValue, number <= bound {
                return "\(path) must be > \(minimum.compactText)"
            }
            if let maximum = schema["exclusiveMaximum"], let bound = maximum.doubleValue, number >= bound {
                return "\(path) must be < \(maximum.compactText)"
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
                    if let problem = problem(
                        with: item, schema: itemSchema, root: root, path: "\(path)[\(position)]", depth: depth + 1)
                    {
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
                    if let problem = problem(
                        with: member, schema: memberSchema, root: root, path: "\(path).\(key)", depth: depth + 1)
                    {
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

    /// The schema `reference` (`#`, `#/$defs/Name`, `#/definitions/Name`) names within `root`.
    private static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
        guard reference == "#" || reference.hasPrefix("#/") else { return nil }
        var target: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") {
            // JSON Pointer (RFC 6901): `~1` is `/`, `~0` is `~`.
            var key = ""
            var escaped = false
            for character in part {
                if escaped {
                    key.append(character == "1" ? "/" : character == "0" ? "~" : character)
                    escaped = false
                } else if character == "~" {
                    escaped = true
                } else {
                    key.append(character)
                }
            }
            target = target?[key]
        }
        return target
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
