/// JSON Merge Patch (RFC 7386): the difference between two values as a patch that turns the first
/// into the second. An object patch names the members that change (a member whose value is `null`
/// is removed); any other patch replaces the value whole (arrays included).
///
/// A member whose new value is `null` cannot be told from a removed one: readers that know their
/// fields (every state file of the engine) treat both as absent.
public enum JSONMergePatch {
    /// The patch from `old` to `new`, or `nil` when they are equal.
    public static func diff(from old: JSONValue?, to new: JSONValue) -> JSONValue? {
        guard let old else { return new }
        if old == new { return nil }
        guard let before = old.objectValue, let after = new.objectValue else { return new }
        var patch = JSONObject()
        for (key, value) in after {
            if let change = diff(from: before[key], to: value) {
                // An object patch that removes nothing reads the same whether or not the member
                // existed; `null` members are kept as `null` (removal) on purpose.
                patch[key] = change
            }
        }
        for (key, _) in before where after[key] == nil { patch[key] = .null }
        return .object(patch)
    }

    /// `target` with `patch` applied (RFC 7386 §2).
    public static func apply(_ patch: JSONValue, to target: JSONValue?) -> JSONValue {
        guard let changes = patch.objectValue else { return patch }
        var result = target?.objectValue ?? JSONObject()
        for (key, value) in changes {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return .object(result)
    }
}
