import Foundation
import LemmingCore
import LemmingJSON

/// Checks a scenario's expectations against the org its run left (all but the rubric, which
/// needs a model).
struct ScenarioChecks {
    let scenario: Scenario
    let before: OrgView
    let after: OrgView
    /// The org's tick that was the scenario's tick 1.
    let start: Int
    let reports: [TickReport]
    private(set) var checks: [ScenarioResult.Check] = []
    /// Every entry written during the run (the human's included), by tick and id.
    private(set) var entries: [OutboxEntry] = []
    /// Credits the org spent during the run.
    private(set) var cost = 0.0

    init(scenario: Scenario, before: OrgView, after: OrgView, start: Int, reports: [TickReport]) {
        self.scenario = scenario
        self.before = before
        self.after = after
        self.start = start
        self.reports = reports
    }

    /// The scenario's tick of an org tick.
    func scenarioTick(_ tick: Int) -> Int { tick - start + 1 }

    mutating func evaluate() throws {
        entries = try after.allEntryIDs().filter { $0.tick >= start }.compactMap { try? after.entry($0).get() }
        let names = Set(after.agentNames).union(before.agentNames)
        cost = Credits.round(
            names.reduce(0) { $0 + (after.ledger[$1]?.spent ?? 0) - (before.ledger[$1]?.spent ?? 0) })
        let turns = reports.reduce(0) { $0 + $1.turns.count }
        checks.append(
            .init(
                name: "run", passed: true,
                detail: "\(reports.count) tick\(reports.count == 1 ? "" : "s"), \(turns) turn\(turns == 1 ? "" : "s"), "
                    + "\(entries.count) entr\(entries.count == 1 ? "y" : "ies"), \(Self.credits(cost)) credits"))
        let expect = scenario.expect
        for expected in expect.entries { checks.append(check(expected)) }
        if expect.noViolations { checks.append(try violationsCheck()) }
        if let limit = expect.maxCost {
            checks.append(
                .init(
                    name: "cost at most \(Self.credits(limit))", passed: cost <= limit,
                    detail: "spent \(Self.credits(cost)) credits"))
        }
        if expect.noLoopDetected {
            let looping = after.agentNames.filter { after.runtimes[$0].pauseReason == .loopDetected }
            checks.append(
                .init(
                    name: "no agent ends loop_detected", passed: looping.isEmpty,
                    detail: looping.isEmpty
                        ? "no agent was paused for repeating itself"
                        : "paused as loop_detected: \(looping.joined(separator: ", "))"))
        }
        if expect.noFailedTurns {
            let failed = reports.flatMap { report in
                report.turns.filter(\.stopReason.isFailure).map { (report.tick, $0) }
            }
            let shown = failed.prefix(3).map { tick, turn in
                "\(turn.agent) at tick \(scenarioTick(tick)): \(turn.stopReason.rawValue)"
                    + (turn.error.map { " (\($0))" } ?? "")
            }
            checks.append(
                .init(
                    name: "no failed turns", passed: failed.isEmpty,
                    detail: failed.isEmpty
                        ? "every turn completed"
                        : "\(failed.count) failed: " + shown.joined(separator: "; ")
                            + (failed.count > 3 ? "; …" : "")))
        }
    }

    /// Whether an entry as expected exists, and if not, what came closest.
    func check(_ expected: Scenario.EntryExpectation) -> ScenarioResult.Check {
        let byAuthor = entries.filter { $0.author == expected.from }
        let matching = byAuthor.filter { entry in
            if let kind = expected.kind, entry.kind != kind { return false }
            if let to = expected.to {
                if let recipients = entry.recipients {
                    if !recipients.contains(to) { return false }
                } else if !after.graph.canRead(to, entry.author) {
                    return false
                }
            }
            if let text = expected.contains, !entry.text.lowercased().contains(text.lowercased()) { return false }
            return true
        }
        let inTime = matching.filter { entry in expected.byTick.map { scenarioTick(entry.tick) <= $0 } ?? true }
        if let found = inTime.first {
            return .init(
                name: expected.description, passed: true,
                detail: "\(found.id.text) at tick \(scenarioTick(found.tick)): \(Self.excerpt(found.text))")
        }
        let detail: String
        if let late = matching.first {
            detail = "the first such entry, \(late.id.text), came at tick \(scenarioTick(late.tick))"
        } else if byAuthor.isEmpty {
            detail = "\(expected.from) wrote no entry in \(reports.count) tick\(reports.count == 1 ? "" : "s")"
        } else {
            let shown = byAuthor.prefix(3).map { entry in
                "\(entry.id.text) (\(entry.kind)"
                    + (entry.recipients.map { " to \($0.joined(separator: ", "))" } ?? " to its readers")
                    + "): \(Self.excerpt(entry.text))"
            }
            detail =
                "none of the \(byAuthor.count) entr\(byAuthor.count == 1 ? "y" : "ies") of \(expected.from) matches: "
                + shown.joined(separator: "; ") + (byAuthor.count > 3 ? "; …" : "")
        }
        return .init(name: expected.description, passed: false, detail: detail)
    }

    /// The contract violations of the run's turns, from the turn records.
    private func violationsCheck() throws -> ScenarioResult.Check {
        var found: [String] = []
        for agent in after.agentNames {
            guard let bytes = try FileSystem.readIfPresent(after.paths.turns(agent)) else { continue }
            for line in bytes.split(separator: 0x0A) {
                guard let record = try? JSONValue.parse(Array(line)), let tick = record["tick"]?.intValue,
                    tick >= start
                else { continue }
                for violation in record["violations"]?.arrayValue ?? [] {
                    let code = violation["code"]?.stringValue ?? "violation"
                    let message = violation["message"]?.stringValue.map { ": \($0)" } ?? ""
                    found.append("\(agent) at tick \(scenarioTick(tick)): \(code)\(message)")
                }
            }
        }
        return .init(
            name: "no violations", passed: found.isEmpty,
            detail: found.isEmpty
                ? "no contract violation in any turn"
                : "\(found.count) violation\(found.count == 1 ? "" : "s"): "
                    + found.prefix(3).joined(separator: "; ") + (found.count > 3 ? "; …" : ""))
    }

    /// The run as a judge reads it: one line per entry, oldest first (ids sort by tick).
    var transcript: String {
        entries.map { entry in
            let to = entry.recipients.map { $0.joined(separator: ", ") } ?? "its readers"
            return "tick \(scenarioTick(entry.tick)) · \(entry.author) → \(to) (\(entry.kind)): \(entry.text)"
        }.joined(separator: "\n")
    }

    static func excerpt(_ text: String, limit: Int = 60) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "“" + flat.prefix(limit) + (flat.count > limit ? "…" : "") + "”"
    }

    /// Credits as reports show them: up to 6 decimals, no trailing zeros.
    static func credits(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
