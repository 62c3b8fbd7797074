import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingSearch

/// `lemming inspect <agent>`: everything about one agent.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an agent: resume, who it reads and who reads it, recent entries, memory, last turns, credits.",
        discussion: """
            Recent entries include archived ones (marked "archived"), from the search index; when it cannot be \
            used, from the outbox folders, with a warning.
            """
    )

    @OptionGroup var org: OrgOptions

    @Argument(help: "The agent (or human).")
    var agent: String

    @Option(name: .shortAndLong, help: "How many recent entries and turns.")
    var number = 5

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        try view.requireAgent(agent, allowingHuman: true)
        let report = try InspectReport(agent: agent, view: view, count: max(number, 0))
        if output.json {
            try Terminal.printJSON(report.json)
        } else {
            try report.text(style: Style.standardOutput).forEach { try Terminal.print($0) }
        }
    }
}

/// What `inspect` shows, gathered once for both the text and the JSON.
struct InspectReport {
    let agent: String
    let view: OrgView
    let reads: [String]
    let readBy: [String]
    let entries: [ListedEntry]
    let addressedToHuman: [ListedEntry]
    let memory: [MemoryRecord]
    let turns: [JSONValue]

    init(agent: String, view: OrgView, count: Int) throws {
        self.agent = agent
        self.view = view
        let everyone = Set(view.agentNames)
        reads = agent == Names.human ? view.agentNames : view.graph.readable(by: agent) { everyone }
        readBy = view.graph.readers(of: agent)
        var history = EntryHistory(view: view)
        var written = SearchQuery()
        written.agents = [agent]
        entries = try history.latest(written, limit: count)
        var addressed = SearchQuery()
        addressed.recipient = Names.human
        addressedToHuman = agent == Names.human ? try history.latest(addressed, limit: count) : []
        memory = agent == Names.human ? [] : try view.memory(of: agent).mostRecentFirst
        turns = agent == Names.human ? [] : try view.turnRecords(of: agent, last: count)
    }

    var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(agent)
        object["state"] = .string(view.state(of: agent))
        if let resume = view.agents[agent]?.resume {
            object["title"] = .string(resume.title)
            object["short_description"] = .string(resume.shortDescription)
            object["model"] = [
                "key": .string(resume.model.key), "temperature": .double(resume.model.temperature),
                "max_tokens": .int(resume.model.maxTokens),
            ]
            object["schedule"] = [
                "run_every_n_ticks": .int(resume.schedule.runEveryNTicks),
                "phase_offset": .int(resume.schedule.phaseOffset),
            ]
            object["next_fire_tick"] = view.nextFireTick(of: agent).map(JSONValue.int) ?? .null
            object["tools"] = .strings(resume.permissions.tools)
            object["create_agents"] = .bool(resume.permissions.createAgents)
        }
        object["errors"] = .strings(view.agents[agent]?.errors.map(\.description) ?? [])
        object["reads"] = .strings(reads)
        object["read_by"] = .strings(readBy)
        if agent != Names.human {
            let account = view.ledger[agent]
            object["credits"] = [
                "balance": view.balance(of: agent).map(JSONValue.double) ?? nil, "spent": .double(account?.spent ?? 0),
                "turns": .int(account?.turns ?? 0),
                "soft_cap": view.agents[agent]?.resume.map { .double($0.credits.softCap) } ?? nil,
            ]
            var memoryObject = JSONObject()
            for record in memory { memoryObject[record.key] = record.value }
            object["memory"] = .object(memoryObject)
            object["turns"] = .array(turns.map(OrgView.turnSummary))
        } else {
            object["addressed_to_human"] = .array(addressedToHuman.map(\.entry.json))
        }
        object["entries"] = .array(entries.map(\.entry.json))
        return .object(object)
    }

    func text(style: Style) -> [String] {
        var lines: [String] = []
        let state = style.state(view.state(of: agent))
        if agent == Names.human {
            lines.append("\(style.bold(agent)) — the person operating the org (\(state))")
            lines.append("reads: every agent")
        } else if let resume = view.agents[agent]?.resume {
            lines.append("\(style.bold(agent)) — \(resume.title) (\(state))")
            lines.append("  \(resume.shortDescription)")
            let next = view.nextFireTick(of: agent).map { ", next fire tick \($0)" } ?? ""
            lines.append(
                "  model \(resume.model.key) (temperature \(resume.model.temperature), max_tokens \(resume.model.maxTokens))"
                    + " · \(StatusCommand.describe(resume.schedule))\(next)")
            let account = view.ledger[agent]
            lines.append(
                "  credits \(EntryFormatting.credits(view.balance(of: agent))) left, "
                    + "\(EntryFormatting.credits(account?.spent ?? 0)) spent, \(account?.turns ?? 0) turns "
                    + "(warning below \(EntryFormatting.credits(resume.credits.softCap)))")
            let tools = resume.permissions.tools.isEmpty ? "none" : resume.permissions.tools.joined(separator: ", ")
            lines.append("  tools: \(tools) · may create agents: \(resume.permissions.createAgents ? "yes" : "no")")
            lines.append("reads: \(reads.isEmpty ? "nobody" : reads.joined(separator: ", "))")
        } else {
            lines.append("\(style.bold(agent)) (\(state))")
            for error in view.agents[agent]?.errors ?? [] { lines.append("  " + style.red("error: \(error)")) }
        }
        lines.append("read by: \(readBy.isEmpty ? "nobody" : readBy.joined(separator: ", "))")
        lines.append(style.bold("recent entries") + (entries.isEmpty ? ": none" : ""))
        for listed in entries { lines.append(contentsOf: Self.lines(listed, style: style)) }
        if agent == Names.human {
            lines.append(style.bold("addressed to the human") + (addressedToHuman.isEmpty ? ": nothing yet" : ""))
            for listed in addressedToHuman { lines.append(contentsOf: Self.lines(listed, style: style)) }
            return lines
        }
        lines.append(
            style.bold("memory")
                + (memory.isEmpty ? ": empty" : " (\(memory.count) key\(memory.count == 1 ? "" : "s"))"))
        for record in memory {
            let value = record.value.compactText
            lines.append("  \(record.key): \(value.count > 200 ? String(value.prefix(200)) + "…" : value)")
        }
        lines.append(style.bold("last turns") + (turns.isEmpty ? ": none yet" : ""))
        for turn in turns { lines.append("  " + LogsCommand.line(for: turn, style: style)) }
        return lines
    }

    private static func lines(_ listed: ListedEntry, style: Style) -> [String] {
        EntryFormatting.lines(listed.entry, archived: listed.isArchived, style: style).map { "  " + $0 }
    }
}
