import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch

/// `lemming inbox`: what agents addressed to the human.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Show what agents addressed to the human (--all: every entry of the org).",
        discussion: """
            Entries are listed oldest first, archived ones included (marked "archived"; --json prints them as on \
            disk). With --follow, new entries are printed as they are committed. The list comes from the search \
            index (state/search.sqlite); when it cannot be used, from the outbox folders, with a warning.
            """
    )

    @OptionGroup var org: OrgOptions

    @Flag(help: "Every entry of every outbox, not only those addressed to the human.")
    var all = false

    @Option(name: .shortAndLong, help: "How many entries (the newest).")
    var number = 20

    @Flag(name: .shortAndLong, help: "Keep waiting for new entries (Ctrl-C stops).")
    var follow = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if number < 0 { throw ValidationError("-n must be zero or more") }
    }

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        var filters = SearchQuery()
        if !all { filters.recipient = Names.human }
        var history = EntryHistory(view: view)
        // Taken before listing, so that nothing committed meanwhile is missed.
        var seen = follow ? try history.seenNow(filters) : SeenEntries()
        let entries = try history.latest(filters, limit: number)
        seen.insert(contentsOf: entries.map(\.entry.id))
        let style = Style.standardOutput
        if output.json && !follow {
            try Terminal.printJSON(.array(entries.map(\.entry.json)))
            return
        }
        for listed in entries { try show(listed, style: style) }
        if entries.isEmpty && number > 0 && !output.json {
            try Terminal.print(all ? "No entries yet." : "Nothing addressed to the human yet.")
        }
        guard follow else { return }
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(300))
            for listed in try history.new(filters, after: &seen) { try show(listed, style: style) }
        }
    }

    private func show(_ listed: ListedEntry, style: Style) throws {
        if output.json {
            try Terminal.print(listed.entry.json.compactText)
        } else {
            try EntryFormatting.lines(listed.entry, archived: listed.isArchived, style: style).forEach {
                try Terminal.print($0)
            }
        }
    }
}
