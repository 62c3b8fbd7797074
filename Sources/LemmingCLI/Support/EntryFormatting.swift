import LemmingCore

/// How entries print in the terminal.
enum EntryFormatting {
    /// `tick 3  manager → human  [response, re 00000001-human-01] 00000003-manager-01` and the
    /// text, indented; `archived` joins the bracket for an entry moved to the archive.
    static func lines(_ entry: OutboxEntry, archived: Bool = false, style: Style) -> [String] {
        let to = entry.recipients?.joined(separator: ", ") ?? "everyone who reads \(entry.author)"
        var details = [entry.kind]
        if entry.priority != .normal { details.append(entry.priority.rawValue) }
        if let replyTo = entry.replyTo { details.append("re \(replyTo)") }
        if archived { details.append("archived") }
        let header =
            "\(style.dim("tick \(entry.tick)"))  \(style.bold(entry.author)) → \(to)  "
            + style.dim("[\(details.joined(separator: ", "))] \(entry.id.text)")
        let body = entry.text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return [header] + body
    }

    /// A number of credits with four decimals.
    static func credits(_ value: Double?) -> String {
        value.map(Terminal.credits) ?? "-"
    }
}
