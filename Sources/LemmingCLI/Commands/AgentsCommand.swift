import ArgumentParser
import LemmingCore
import LemmingJSON
import LemmingOrgView

/// `lemming agents`: one line per agent.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "List the agents: title, schedule, next fire tick, model, credits, state.")

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let view = try OrgView.load(root: try org.resolve())
        if output.json {
            try Terminal.printJSON(.array((view.agentNames + [Names.human]).map(view.agentSummary)))
            return
        }
        let style = Style.standardOutput
        var rows = view.agentNames.map { name -> [String] in
            let resume = view.agents[name]?.resume
            return [
                name, resume?.title ?? "-", resume.map { StatusCommand.describe($0.schedule) } ?? "-",
                view.nextFireTick(of: name).map(String.init) ?? "-", resume?.model.key ?? "-",
                EntryFormatting.credits(view.balance(of: name)), style.state(view.state(of: name)),
            ]
        }
        rows.append([Names.human, "the operator", "-", "-", "-", "-", style.state("operator")])
        try Terminal.print(
            Table.render(header: ["AGENT", "TITLE", "SCHEDULE", "NEXT", "MODEL", "CREDITS", "STATE"], rows: rows))
    }
}
