import LemmingJSON

extension IssueCollector {
    private static func path(_ prefix: String, _ key: String) -> String {
        prefix.isEmpty ? key : prefix + "." + key
    }

    /// An integer field in `range`, or `fallback` (with an error recorded) when it is wrong.
    public mutating func integer(
        _ object: JSONObject,
        _ key: String,
        prefix: String = "",
        default fallback: Int,
        in range: ClosedRange<Int> = Int.min...Int.max
    ) -> Int {
        optionalInteger(object, key, prefix: prefix, in: range) ?? fallback
    }

    /// An integer field that may be absent or `null`.
    public mutating func optionalInteger(
        _ object: JSONObject,
        _ key: String,
        prefix: String = "",
        in range: ClosedRange<Int> = Int.min...Int.max
    ) -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        let field = Self.path(prefix, key)
        guard let integer = value.intValue else {
            error(field, "type", "must be an integer (got \(value.typeDescription))")
            return nil
        }
        guard range.contains(integer) else {
            error(field, "range", "must be in \(range.lowerBound)...\(range.upperBound) (got \(integer))")
            return nil
        }
        return integer
    }

    /// A number field that may be absent or `null`.
    public mutating func optionalNumber(
        _ object: JSONObject,
        _ key: String,
        prefix: String = "",
        minimum: Double = -Double.greatestFiniteMagnitude
    ) -> Double? {
        guard let value = object[key], !value.isNull else { return nil }
        let field = Self.path(prefix, key)
        guard let number = value.doubleValue else {
            error(field, "type", "must be a number (got \(value.typeDescription))")
            return nil
        }
        guard number >= minimum else {
            error(field, "range", "must be ≥ \(minimum) (got \(number))")
            return nil
        }
        return number
    }

    /// A string field that may be absent or `null`.
    public mutating func optionalString(_ object: JSONObject, _ key: String, prefix: String = "") -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            error(Self.path(prefix, key), "type", "must be a string (got \(value.typeDescription))")
            return nil
        }
        return text
    }

    /// A Boolean field, or `fallback`.
    public mutating func boolean(
        _ object: JSONObject, _ key: String, prefix: String = "", default fallback: Bool
    ) -> Bool {
        guard let value = object[key], !value.isNull else { return fallback }
        guard let flag = value.boolValue else {
            error(Self.path(prefix, key), "type", "must be true or false (got \(value.typeDescription))")
            return fallback
        }
        return flag
    }

    /// An array of strings, or `nil` when absent.
    public mutating func optionalStrings(_ object: JSONObject, _ key: String, prefix: String = "") -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        let field = Self.path(prefix, key)
        guard let elements = value.arrayValue else {
            error(field, "type", "must be an array of strings (got \(value.typeDescription))")
            return nil
        }
        var strings: [String] = []
        for (position, element) in elements.enumerated() {
            guard let text = element.stringValue else {
                error("\(field)[\(position)]", "type", "must be a string (got \(element.typeDescription))")
                return nil
            }
            strings.append(text)
        }
        return strings
    }

    /// A nested object, or an empty one (with an error when the value is not an object).
    public mutating func object(_ object: JSONObject, _ key: String, prefix: String = "") -> JSONObject {
        guard let value = object[key], !value.isNull else { return JSONObject() }
        guard let child = value.objectValue else {
            error(Self.path(prefix, key), "type", "must be an object (got \(value.typeDescription))")
            return JSONObject()
        }
        return child
    }
}
