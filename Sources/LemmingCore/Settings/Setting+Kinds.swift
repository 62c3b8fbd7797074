import LemmingJSON

/// The common kinds of setting, each read with the shared field readers of ``IssueCollector`` and
/// stored through a key path, whose value in a default-made `Root` is the default.
extension Setting {
    /// Where a setting is stored in `Root`.
    typealias Property<Value> = any WritableKeyPath<Root, Value> & Sendable

    init(_ path: String, _ kind: Kind, _ description: String) {
        self.init(path: path.split(separator: ".").map(String.init), kind: kind, description: description)
    }

    /// An object of settings; its rows follow it in the table.
    static func section(_ path: String, _ description: String) -> Setting {
        Setting(path, .section, description)
    }

    /// An integer in `range`.
    static func integer(
        _ path: String, _ keyPath: Property<Int>, in range: ClosedRange<Int>,
        _ description: String
    ) -> Setting {
        var setting = Setting(path, .integer, description)
        setting.bound(by: range)
        setting.value = { .int($0[keyPath: keyPath]) }
        setting.read = { input, root, issues in
            if let value = issues.optionalInteger(input.parent, input.key, prefix: input.prefix, in: range) {
                root[keyPath: keyPath] = value
            }
        }
        return setting
    }

    /// An integer in `range`, or `null` (the default of an optional property).
    static func optionalInteger(
        _ path: String, _ keyPath: Property<Int?>, in range: ClosedRange<Int>,
        _ description: String
    ) -> Setting {
        var setting = Setting(path, .integer, description)
        setting.bound(by: range)
        setting.value = { $0[keyPath: keyPath].map(JSONValue.int) ?? .null }
        setting.read = { input, root, issues in
            if let value = issues.optionalInteger(input.parent, input.key, prefix: input.prefix, in: range) {
                root[keyPath: keyPath] = value
            }
        }
        return setting
    }

    /// A number of at least `minimum` (and at most `maximum`).
    static func number(
        _ path: String, _ keyPath: Property<Double>, minimum: Double,
        maximum: Double? = nil, _ description: String
    ) -> Setting {
        var setting = Setting(path, .number, description)
        setting.minimum = minimum
        setting.maximum = maximum
        setting.value = { .double($0[keyPath: keyPath]) }
        setting.read = { input, root, issues in
            guard let value = issues.optionalNumber(input.parent, input.key, prefix: input.prefix, minimum: minimum)
            else { return }
            if let maximum, value > maximum {
                issues.error(input.field, "range", "must be at most \(Self.text(maximum)) (got \(value))")
                return
            }
            root[keyPath: keyPath] = value
        }
        return setting
    }

    /// `true` or `false`.
    static func boolean(_ path: String, _ keyPath: Property<Bool>, _ description: String) -> Setting {
        var setting = Setting(path, .boolean, description)
        setting.value = { .bool($0[keyPath: keyPath]) }
        setting.read = { input, root, issues in
            root[keyPath: keyPath] = issues.boolean(
                input.parent, input.key, prefix: input.prefix, default: root[keyPath: keyPath])
        }
        return setting
    }

    /// A string. `check` returns what to keep, or `nil` after recording an issue.
    static func string(
        _ path: String, _ keyPath: Property<String>, pattern: String? = nil,
        _ description: String,
        check: @escaping @Sendable (_ text: String, _ field: String, _ issues: inout IssueCollector) -> String? = {
            text, _, _ in text
        }
    ) -> Setting {
        var setting = Setting(path, .string, description)
        setting.pattern = pattern
        setting.value = { .string($0[keyPath: keyPath]) }
        setting.read = { input, root, issues in
            if let text = issues.optionalString(input.parent, input.key, prefix: input.prefix),
                let kept = check(text, input.field, &issues)
            {
                root[keyPath: keyPath] = kept
            }
        }
        return setting
    }

    /// A string, or `null` (the default of an optional property).
    static func optionalString(
        _ path: String, _ keyPath: Property<String?>, pattern: String? = nil, _ description: String
    ) -> Setting {
        var setting = Setting(path, .string, description)
        setting.pattern = pattern
        setting.value = { $0[keyPath: keyPath].map(JSONValue.string) ?? .null }
        setting.read = { input, root, issues in
            if let text = issues.optionalString(input.parent, input.key, prefix: input.prefix) {
                root[keyPath: keyPath] = text
            }
        }
        return setting
    }

    /// A string that is kept in the document for people and tools, and not used.
    static func note(_ path: String, _ description: String) -> Setting {
        var setting = Setting(path, .string, description)
        setting.defaultNote = "none"
        setting.read = { input, _, issues in
            _ = issues.optionalString(input.parent, input.key, prefix: input.prefix)
        }
        return setting
    }

    /// One of the raw values of `Value`; anything else is an error with `rule`.
    static func choice<Value: RawRepresentable<String> & CaseIterable & Sendable>(
        _ path: String, _ keyPath: Property<Value>, rule: String = "enum",
        _ description: String
    ) -> Setting {
        var setting = Setting(path, .string, description)
        let choices = Value.allCases.map(\.rawValue)
        setting.choices = choices
        setting.value = { .string($0[keyPath: keyPath].rawValue) }
        setting.read = { input, root, issues in
            guard let text = issues.optionalString(input.parent, input.key, prefix: input.prefix) else { return }
            guard let value = Value(rawValue: text) else {
                issues.error(input.field, rule, "must be \(Self.alternatives(choices)) (got '\(text)')")
                return
            }
            root[keyPath: keyPath] = value
        }
        return setting
    }

    /// An array of strings that replaces the default when present. `item` checks each one (its
    /// `field` is `path[position]`) and returns what to keep, or `nil` after recording an issue.
    static func strings(
        _ path: String, _ keyPath: Property<[String]>, pattern: String? = nil,
        _ description: String,
        item:
            @escaping @Sendable (_ text: String, _ field: String, _ root: Root, _ issues: inout IssueCollector) ->
            String? = { text, _, _, _ in text }
    ) -> Setting {
        var setting = Setting(path, .strings, description)
        setting.pattern = pattern
        setting.value = { .strings($0[keyPath: keyPath]) }
        setting.read = { input, root, issues in
            guard let texts = issues.optionalStrings(input.parent, input.key, prefix: input.prefix) else { return }
            var kept: [String] = []
            for (position, text) in texts.enumerated() {
                if let text = item(text, "\(input.field)[\(position)]", root, &issues) { kept.append(text) }
            }
            root[keyPath: keyPath] = kept
        }
        return setting
    }

    /// The same setting, with a default that is no fixed value and is stated in words instead.
    func withDefault(note: String) -> Setting {
        var setting = self
        setting.defaultNote = note
        return setting
    }

    private mutating func bound(by range: ClosedRange<Int>) {
        if range.lowerBound != Int.min { minimum = Double(range.lowerBound) }
        if range.upperBound != Int.max { maximum = Double(range.upperBound) }
    }

    /// `"a" or "b"`, `"a", "b" or "c"`.
    static func alternatives(_ choices: [String]) -> String {
        let quoted = choices.map { "\"\($0)\"" }
        guard let last = quoted.last, quoted.count > 1 else { return quoted.joined() }
        return quoted.dropLast().joined(separator: ", ") + " or " + last
    }

    /// `3600` for 3600.0, `0.5` for 0.5.
    static func text(_ number: Double) -> String {
        Int(exactly: number).map(String.init) ?? String(number)
    }
}
