/// The naming rules shared by every part of LeMMing.
public enum Names {
    /// The reserved name of the person operating the org.
    public static let human = "human"

    /// Whether `name` is a valid agent name: `^[a-z][a-z0-9_]{0,63}$`.
    public static func isValidAgentName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 64, first >= 0x61, first <= 0x7A else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// Whether `key` is a valid memory key: `^[a-zA-Z0-9_-]{1,128}$`.
    public static func isValidMemoryKey(_ key: String) -> Bool {
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
                || $0 == 0x2D
        }
    }

    /// Whether `name` is a valid custom tool name: `^[a-z][a-z0-9_-]{0,63}$`.
    public static func isValidToolName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 64, first >= 0x61, first <= 0x7A else { return false }
        return bytes.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D
        }
    }

    /// Whether `name` is a valid template name (a folder of `templates/`): `^[a-z][a-z0-9_-]{0,63}$`,
    /// the rule of tool names, which `create_agent` already applies. Never a path: no `/`, `.` or NUL.
    public static func isValidTemplateName(_ name: String) -> Bool {
        isValidToolName(name)
    }

    /// Whether `kind` is a valid entry kind: `^[a-z][a-z0-9_]{0,31}$`.
    public static func isValidKind(_ kind: String) -> Bool {
        kind.utf8.count <= 32 && isValidAgentName(kind)
    }

    /// Orders names by Unicode code points (UTF-8 byte order), independent of locale.
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs
        var right = rhs
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                for index in 0..<common where a[index] != b[index] { return a[index] < b[index] }
                return a.count < b.count
            }
        }
    }
}
