import ArgumentParser
import Foundation
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
            for budget in endpoint.budgets { try Terminal.print("  " + StatusCommand.describe(budget)) }
        }
        let entries = status.human.entries
        try Terminal.print("human: \(entries) entr\(entries == 1 ? "y" : "ies") sent; heard by \(heard)")
        for warning in status.warnings { try Terminal.print("warning: \(warning)") }
    }

    /// One model's rate-limit budget at an endpoint, on one line: `model gpt-4o: 20 requests/min
    /// (rpm), 12 left this minute; 3 calls waiting; server: 5 of 20 requests left, reset at …`.
    static func describe(_ budget: ProviderBudget) -> String {
        var parts: [String] = []
        func limit(_ limit: Int?, configured: Int?, unit: String, field: String, remaining: Int?) {
            guard let limit else { return }
            let source = configured == limit ? field : "from the server's headers"
            parts.append("\(limit) \(unit)/min (\(source)), \(remaining ?? limit) left this minute")
        }
        limit(
            budget.requestLimit, configured: budget.requestsPerMinute, unit: "requests", field: "rpm",
            remaining: budget.requestsRemaining)
        limit(
            budget.tokenLimit, configured: budget.tokensPerMinute, unit: "tokens", field: "tpm",
            remaining: budget.tokensRemaining)
        if parts.isEmpty { parts.append("no rate limit known") }
        if budget.waiting > 0 { parts.append("\(budget.waiting) call\(budget.waiting == 1 ? "" : "s") waiting") }
        if let closed = budget.closedUntil { parts.append("closed until \(closed)") }
        if budget.waits > 0 { parts.append("\(budget.waits) waited \(budget.waitedSeconds) s in all") }
        let reported = budget.reported.keys.sorted().compactMap { name -> String? in
            guard let limit = budget.reported[name], let remaining = limit.remaining else { return nil }
            let of = limit.limit.map { " of \($0)" } ?? ""
            let reset = limit.resetAt.map { ", reset at \($0)" } ?? ""
            return "\(remaining)\(of) \(name.replacingOccurrences(of: "_", with: " ")) left\(reset)"
        }
        if !reported.isEmpty { parts.append("server: " + reported.joined(separator: ", ")) }
        return "model \(budget.model): " + parts.joined(separator: "; ")
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
