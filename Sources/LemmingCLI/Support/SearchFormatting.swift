import LemmingSearch

/// How search results print in the terminal.
enum SearchFormatting {
    /// A header naming the result, then its snippet, indented, matches marked:
    ///
    ///     tick 42  entry   manager → planner  [request, urgent] 00000042-manager-01
    ///         …draft the [login] [page] spec by Friday…
    ///     tick 40  memory  planner  key plan  [set]
    ///     tick 41  turn    coder  [completed]
    static func lines(_ hit: SearchHit, style: Style) -> [String] {
        var header = style.dim("tick \(hit.tick)") + "  "
        switch hit.source {
        case .entries:
            let to = hit.recipients?.joined(separator: ", ") ?? "everyone who reads \(hit.agent)"
            var details = [hit.kind ?? "entry"]
            if let priority = hit.priority, priority != "normal" { details.append(priority) }
            if let replyTo = hit.replyTo { details.append("re \(replyTo)") }
            if hit.archived { details.append("archived") }
            header += "entry   \(style.bold(hit.agent)) → \(to)  "
            header += style.dim("[\(details.joined(separator: ", "))] \(hit.ref)")
        case .memory:
            header += "memory  \(style.bold(hit.agent))  key \(hit.ref)"
            if let kind = hit.kind { header += "  " + style.dim("[\(kind)]") }
        case .turns:
            header += "turn    \(style.bold(hit.agent))"
            if let kind = hit.kind { header += "  " + style.dim("[\(kind)]") }
        }
        return [header, "    " + snippet(hit.snippet, style: style)]
    }

    /// The snippet on one line: matches bold on a terminal, else `[in brackets]`.
    static func snippet(_ parts: [String], style: Style) -> String {
        var text = ""
        for (position, part) in parts.enumerated() {
            let flat = String(part.map { $0.isNewline || $0 == "\t" ? " " : $0 })
            text += position % 2 == 1 ? style.marked(flat) : flat
        }
        return text
    }

    /// `3 of 41; more: --cursor r3fe1….42.1234`, or `No results.`.
    static func footer(_ page: SearchPage) -> String {
        guard !page.hits.isEmpty else { return page.total == nil ? "No more results." : "No results." }
        let count = page.hits.count
        var text = page.total.map { "\(count) of \($0)" } ?? "\(count) result\(count == 1 ? "" : "s")"
        if let next = page.nextCursor { text += "; more: --cursor \(next)" }
        return text
    }
}
