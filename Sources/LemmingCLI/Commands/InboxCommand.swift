import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming inbox`: what agents addressed to the human.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Show what agents addressed to the human (--all: every entry of the org).",
        discussion: "Entries are listed oldest first. With --follow, new entries are printed as they are written."
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
        let all = self.all
        let matching: (OutboxEntry) -> Bool = { all || ($0.recipients?.contains(Names.human) ?? false) }
        var seen = try view.allEntryIDs()
        let entries = view.latestEntries(among: seen, limit: number, matching: matching)
        let style = Style.standardOutput
        if output.json && !follow {
            try Terminal.printJSON(.array(entries.map(\.json)))
            return
        }
        for entry in entries { try show(entry, style: style) }
        if entries.isEmpty && number > 0 && !output.json {
            try Terminal.print(all ? "No entries yet." : "Nothing addressed to the human yet.")
        }
        guard follow else { return }
        var known = Set(seen)
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(300))
            seen = try view.allEntryIDs()
            let fresh = seen.filter { !known.contains($0) }
            known.formUnion(fresh)
            for id in fresh {
                guard case .success(let entry) = view.entry(id), matching(entry) else { continue }
                try show(entry, style: style)
            }
        }
    }

    private func show(_ entry: OutboxEntry, style: Style) throws {
        if output.json {
            try Terminal.print(entry.json.compactText)
        } else {
            try EntryFormatting.lines(entry, style: style).forEach { try Terminal.print($0) }
        }
    }
}
