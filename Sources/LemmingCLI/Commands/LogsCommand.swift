import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming logs <agent>`: an agent's turns.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an agent's turns: stop reason, entries, cost, notes, violations (-f follows).",
        discussion: """
            --json prints the turn records of agents/<name>/logs/turns.jsonl as they are, one per line. A line \
            that is not a turn record is left out with a warning on standard error naming the file and line.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent.")
    var agent: String

    @Option(name: .shortAndLong, help: "How many of the last turns.")
    var number = 20

    @Flag(name: .shortAndLong, help: "Keep printing new turns (Ctrl-C stops).")
    var follow = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if number < 0 { throw ValidationError("-n must be zero or more") }
    }

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        try view.requireAgent(agent)
        let style = Style.standardOutput
        let path = view.paths.turns(agent)
        let log = TurnLog(path: path, file: view.paths.relative(path))
        let lines = number > 0 ? try log.lastLines(number) : []
        var total: Int?
        for (index, line) in lines.enumerated() {
            if let record = TurnLog.record(line) {
                try show(record, style: style)
            } else {
                // Numbered from the end: counting the lines before the tail costs a read of the file.
                if total == nil { total = try log.lineCount() }
                log.reportUnreadable(line: (total ?? 0) - lines.count + index + 1)
            }
        }
        if lines.isEmpty, number > 0, !output.json { try Terminal.print("\(agent) has no turns yet.") }
        guard follow else { return }
        var offset = FileSystem.info(path)?.size ?? 0
        var lineNumber: Int?
        var pending: [UInt8] = []
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(300))
            guard let size = FileSystem.info(path)?.size, size != offset else { continue }
            if size < offset {
                // Truncated (lemming reset): start over.
                (offset, lineNumber, pending) = (0, 0, [])
            }
            if lineNumber == nil { lineNumber = try TurnLog.newlines(in: path, before: offset) }
            let bytes = try FileSystem.read(path, from: offset, maxCount: size - offset) ?? []
            offset += bytes.count
            pending += bytes
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                lineNumber = (lineNumber ?? 0) + 1
                if let record = TurnLog.record(line) {
                    try show(record, style: style)
                } else {
                    log.reportUnreadable(line: lineNumber ?? 0)
                }
            }
        }
    }

    private func show(_ record: JSONValue, style: Style) throws {
        if output.json {
            try Terminal.print(record.compactText)
        } else {
            try Terminal.print(Self.line(for: record, style: style))
        }
    }

    /// `tick 12  completed  2 entries  0.0004 credits  notes`.
    static func line(for record: JSONValue, style: Style) -> String {
        let tick = record["tick"]?.intValue.map(String.init) ?? "?"
        let reason = record["stop_reason"]?.stringValue ?? "?"
        let entries = record["entries"]?.arrayValue?.count ?? 0
        var parts = [
            style.dim("tick \(tick)"), reason == "completed" ? reason : style.yellow(reason),
            "\(entries) entr\(entries == 1 ? "y" : "ies")",
            "\(Terminal.credits(record["cost"]?.doubleValue ?? 0)) credits",
        ]
        let violations = record["violations"]?.arrayValue?.count ?? 0
        if violations > 0 { parts.append(style.red("\(violations) violation\(violations == 1 ? "" : "s")")) }
        if let error = record["error"]?.stringValue { parts.append(style.red(error)) }
        if let notes = record["parsed"]?["notes"]?.stringValue, !notes.isEmpty { parts.append("— \(notes)") }
        return parts.joined(separator: "  ")
    }
}
