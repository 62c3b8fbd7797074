import LemmingCore
import LemmingJSON

/// A short diff of two entry payloads, for ``RunComparison``: for each member that differs,
/// `- payload.<key>: <A's value>` then `+ payload.<key>: <B's value>`. Two texts are compared line
/// by line and only the lines between their common first and last lines are shown, numbered
/// (`payload.text:3`). Other values are shown as compact JSON; a member one side lacks is
/// `(none)`. Each line is cut to ``maxLineCharacters`` and the diff to ``maxLines``.
package enum PayloadDiff {
    package static let maxLines = 12
    package static let maxLineCharacters = 160

    package static func lines(_ a: JSONObject, _ b: JSONObject) -> [String] {
        var keys = a.keys
        keys += b.keys.filter { !a.contains($0) }
        var lines: [String] = []
        for key in keys where a[key] != b[key] {
            if case .string(let left)? = a[key], case .string(let right)? = b[key] {
                lines += textLines("payload.\(key)", left, right)
            } else {
                lines.append("- payload.\(key): \(a[key].map(\.compactText) ?? "(none)")")
                lines.append("+ payload.\(key): \(b[key].map(\.compactText) ?? "(none)")")
            }
        }
        var shown = lines.prefix(maxLines).map(shorten)
        if lines.count > maxLines { shown.append("… \(lines.count - maxLines) more lines") }
        return shown
    }

    /// The lines of two texts between their common first and last lines.
    private static func textLines(_ name: String, _ left: String, _ right: String) -> [String] {
        let a = left.split(separator: "\n", omittingEmptySubsequences: false)
        let b = right.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 0
        while start < a.count, start < b.count, a[start] == b[start] { start += 1 }
        var endA = a.count
        var endB = b.count
        while endA > start, endB > start, a[endA - 1] == b[endB - 1] {
            endA -= 1
            endB -= 1
        }
        let label = a.count == 1 && b.count == 1 ? name : "\(name):\(start + 1)"
        return a[start..<endA].map { "- \(label): \($0)" } + b[start..<endB].map { "+ \(label): \($0)" }
    }

    private static func shorten(_ line: String) -> String {
        line.count <= maxLineCharacters ? line : String(line.prefix(maxLineCharacters - 1)) + "…"
    }
}
