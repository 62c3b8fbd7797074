import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming logs <agent>`: an agent's turns.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an agent's turns: stop reason, entries, cost, notes, violations (-f follows).",
        discussion: "--json prints the turn records of agents/<name>/logs/turns.jsonl as they are, one per line."
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
        try await Terminal.guarded {
            let view = try OrgView.load(root: try org.resolve())
            try view.requireAgent(agent)
            let style = Style.standardOutput
            let records = try view.turnRecords(of: agent, last: number)
            for record in records { show(record, style: style) }
            if records.isEmpty, number > 0, !output.json { Terminal.print("\(agent) has no turns yet.") }
            guard follow else { return }
            let path = view.paths.turns(agent)
            var offset = FileSystem.info(path)?.size ?? 0
            var pending: [UInt8] = []
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(300))
                guard let size = FileSystem.info(path)?.size, size != offset else { continue }
                if size < offset { offset = 0 }
                let bytes = try FileSystem.read(path)
                pending += bytes[min(offset, bytes.count)...]
                offset = bytes.count
                while let newline = pending.firstIndex(of: 0x0A) {
                    if let record = try? JSONValue.parse(Array(pending[..<newline])) { show(record, style: style) }
                    pending.removeSubrange(...newline)
                }
            }
        }
    }

    private func show(_ record: JSONValue, style: Style) {
        if output.json {
            Terminal.print(record.compactText)
        } else {
            Terminal.print(Self.line(for: record, style: style))
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
