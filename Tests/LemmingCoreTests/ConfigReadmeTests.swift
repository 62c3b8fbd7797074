import Foundation
import LemmingJSON
import Testing

@testable import LemmingCore

/// The line of README.md that the table of `lemming.json` settings follows.
private let tableHeading = "`lemming.json` (every setting has a default):"

/// The README's table of `lemming.json` settings as the settings table makes it: one row per setting,
/// custom tools' fields under `tools.custom[]`, MCP servers' under `mcp.servers.<name>`,
/// remote A2A agents' under `a2a.agents.<name>`.
private func expectedTable() -> [String] {
    var lines = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in OrgSettings.table.settings where setting.kind != .section {
        lines.append(row(setting.dottedPath, setting, defaults: OrgSettings.defaults))
        if setting.dottedPath == "tools.custom" {
            for field in OrgSettings.customTool.settings {
                lines.append(row("tools.custom[].\(field.dottedPath)", field, defaults: ToolSettings.Custom()))
            }
        }
        if setting.dottedPath == "mcp.servers" {
            for field in OrgSettings.mcpServer.settings {
                lines.append(row("mcp.servers.<name>.\(field.dottedPath)", field, defaults: MCPSettings.Server()))
            }
        }
        if setting.dottedPath == "a2a.agents" {
            for field in OrgSettings.remoteAgent.settings {
                lines.append(row("a2a.agents.<name>.\(field.dottedPath)", field, defaults: A2ASettings.RemoteAgent()))
            }
        }
    }
    return lines
}

private func row<Root>(_ path: String, _ setting: Setting<Root>, defaults: Root) -> String {
    let value =
        setting.defaultNote ?? (setting.isRequired ? "required" : setting.value.map { text($0(defaults)) } ?? "")
    return "| `\(path)` | \(value) | \(setting.description) |"
}

/// Numbers as they are; anything else as compact JSON in code quotes.
private func text(_ value: JSONValue) -> String {
    switch value {
    case .int(let integer): return String(integer)
    case .double(let number): return Int(exactly: number).map(String.init) ?? String(number)
    default: return "`" + JSONWriter(style: .compact).string(value) + "`"
    }
}

private let readmePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("README.md").path

/// The README's lines, and the range of the table's lines.
private func readmeTable() throws -> (lines: [String], table: Range<Int>) {
    let lines = try String(contentsOfFile: readmePath, encoding: .utf8).components(separatedBy: "\n")
    let heading = try #require(lines.firstIndex(of: tableHeading), "README.md has no line \(tableHeading)")
    let start = try #require(lines[(heading + 1)...].firstIndex { $0.hasPrefix("|") })
    let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.endIndex
    return (lines, start..<end)
}

/// Run with `LEMMING_UPDATE_README=1` to write the expected table into README.md.
@Test func readmeTableOfSettingsMatchesTheSettingsTable() throws {
    var (lines, table) = try readmeTable()
    let expected = expectedTable()
    guard Array(lines[table]) != expected else { return }
    if ProcessInfo.processInfo.environment["LEMMING_UPDATE_README"] == "1" {
        lines.replaceSubrange(table, with: expected)
        try lines.joined(separator: "\n").write(toFile: readmePath, atomically: true, encoding: .utf8)
        return
    }
    Issue.record(
        """
        README.md's table of lemming.json settings differs from OrgSettings; run the test with \
        LEMMING_UPDATE_README=1, or replace the table with:

        \(expected.joined(separator: "\n"))
        """)
}
