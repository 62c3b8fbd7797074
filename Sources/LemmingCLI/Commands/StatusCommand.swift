import ArgumentParser
import LemmingCore
import LemmingOrgView

/// `lemming status`: the org at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the tick, every agent's state and credits, and warnings.")

    @OptionGroup var org: OrgOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let status = try OrgStatus.read(root: try org.resolve())
        if output.json {
            try Terminal.printJSON(status.json)
            return
        }
        var header = "\(status.orgName): next tick \(status.tick.nextTick)"
        header += status.isEngineRunning ? ", engine running" : ", engine stopped"
        if status.tick.isPaused { header += ", PAUSED" }
        if status.pendingCommands > 0 { header += ", \(status.pendingCommands) pending command(s)" }
        try Terminal.print(header)
        let rows = status.agents.map { agent -> [String] in
            [
                agent.name, agent.state, agent.schedule.map(StatusCommand.describe) ?? "-",
                agent.nextFireTick.map(String.init) ?? "-", agent.modelKey ?? "-",
                agent.balance.map(Terminal.credits) ?? "-", agent.lastStopReason?.rawValue ?? "-",
            ]
        }
        try Terminal.print(
            Table.render(header: ["AGENT", "STATE", "SCHEDULE", "NEXT", "MODEL", "CREDITS", "LAST"], rows: rows))
        let heard = status.human.heardBy.isEmpty ? "no agent" : status.human.heardBy.joined(separator: ", ")
        for endpoint in status.providers {
            try Terminal.print(
                "provider \(endpoint.endpoint): circuit \(endpoint.state.rawValue), \(endpoint.consecutiveFailures) failures in a row"
            )
        }
        let entries = status.human.entries
        try Terminal.print("human: \(entries) entr\(entries == 1 ? "y" : "ies") sent; heard by \(heard)")
        for warning in status.warnings { try Terminal.print("warning: \(warning)") }
    }

    static func describe(_ schedule: Schedule) -> String {
        let every = schedule.runEveryNTicks == 1 ? "every tick" : "every \(schedule.runEveryNTicks)"
        return schedule.phaseOffset == 0 ? every : "\(every) +\(schedule.phaseOffset)"
    }
}

/// Plain text tables with aligned columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
