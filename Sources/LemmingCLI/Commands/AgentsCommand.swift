import ArgumentParser
import LemmingCore

/// `lemming agents`: one line per agent.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "List the agents: title, schedule, next fire tick, model, credits, state.")

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Terminal.guarded {
            let view = try OrgView.load(root: try org.resolve())
            if output.json {
                Terminal.printJSON(.array(view.agentNames.map { Self.json($0, view: view) } + [Self.humanJSON(view)]))
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
            Terminal.print(
                Table.render(header: ["AGENT", "TITLE", "SCHEDULE", "NEXT", "MODEL", "CREDITS", "STATE"], rows: rows))
        }
    }

    static func json(_ name: String, view: OrgView) -> JSONValue {
        let resume = view.agents[name]?.resume
        var object = JSONObject()
        object["name"] = .string(name)
        object["title"] = .optional(resume?.title)
        object["schedule"] =
            resume.map {
                ["run_every_n_ticks": .int($0.schedule.runEveryNTicks), "phase_offset": .int($0.schedule.phaseOffset)]
            } ?? .null
        object["next_fire_tick"] = view.nextFireTick(of: name).map(JSONValue.int) ?? .null
        object["model"] = .optional(resume?.model.key)
        object["balance"] = view.balance(of: name).map(JSONValue.double) ?? .null
        object["state"] = .string(view.state(of: name))
        return .object(object)
    }

    static func humanJSON(_ view: OrgView) -> JSONValue {
        [
            "name": .string(Names.human), "title": "the operator", "schedule": nil, "next_fire_tick": nil,
            "model": nil, "balance": nil, "state": "operator",
        ]
    }
}
