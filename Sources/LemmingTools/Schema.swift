import LemmingCore
import LemmingJSON

/// Builders for the argument schemas of the built-in tools (the subset ``ArgumentValidator`` checks).
enum Schema {
    /// An object with these properties; no others are accepted.
    static func object(_ properties: JSONObject, required: [String] = []) -> JSONValue {
        [
            "type": "object", "properties": .object(properties), "required": .strings(required),
            "additionalProperties": false,
        ]
    }

    static func string(_ description: String, minLength: Int = 0, maxLength: Int? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "string", "description": .string(description)]
        if minLength > 0 { schema["minLength"] = .int(minLength) }
        if let maxLength { schema["maxLength"] = .int(maxLength) }
        return .object(schema)
    }

    static func integer(_ description: String, minimum: Int? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "integer", "description": .string(description)]
        if let minimum { schema["minimum"] = .int(minimum) }
        return .object(schema)
    }

    static func number(_ description: String, minimum: Double? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "number", "description": .string(description)]
        if let minimum { schema["minimum"] = .double(minimum) }
        return .object(schema)
    }

    static func boolean(_ description: String) -> JSONValue {
        ["type": "boolean", "description": .string(description)]
    }

    static func strings(_ description: String, maxItems: Int) -> JSONValue {
        ["type": "array", "items": ["type": "string"], "maxItems": .int(maxItems), "description": .string(description)]
    }

    /// A memory key: `^[a-zA-Z0-9_-]{1,128}$`.
    static let memoryKey = string("memory key: letters, digits, '_' or '-'", minLength: 1, maxLength: 128)
    /// A path in the sandbox.
    static let path = string("path relative to your workspace, or starting with shared/", minLength: 1, maxLength: 1024)
}
