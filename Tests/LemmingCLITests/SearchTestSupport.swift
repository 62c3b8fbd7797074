import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting

/// Orgs with a history to search: entries of several kinds, tags and priorities, memory, notes.
enum HistoryOrg {
    /// Three ticks: the manager asks the coder (urgent, tagged), the coder reports to all, the
    /// manager tells the human.
    static let script: [ScriptLine] = [
        ScriptLine(
            "manager", tick: 1,
            ScriptLine.reply(
                ["Please draft the login page spec", "Budget review is due on Friday"], to: ["coder"],
                kind: "request", tags: ["planning"], priority: "urgent",
                memory: ["plan": "ship the login page before the launch"], notes: "split the work for the sprint")),
        ScriptLine(
            "coder", tick: 2, ScriptLine.reply(["The login page spec is drafted"], kind: "report", tags: ["spec"])),
        ScriptLine(
            "manager", tick: 3,
            ScriptLine.reply(["Thanks, the login spec is in review"], to: ["human"], notes: "waiting for the reviewer")),
    ]

    /// A coder who reads the manager and a manager who reads the human and the coder, after
    /// `lemming run --ticks 3` of ``script``.
    static func make(config: JSONObject = [:]) throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("coder", reads: ["manager"]), TestAgent("manager", reads: ["human", "coder"])],
            replies: script, config: config)
        do {
            let ran = try Lemming.run(["run", "--ticks", "3"], in: org.root)
            guard ran.status == 0 else { throw OperatorTestFailure("lemming run failed: \(ran.stderr)") }
        } catch {
            org.remove()
            throw error
        }
        return org
    }
}

extension TemporaryOrg {
    /// Runs `lemming arguments…` in the org's folder.
    func lemming(_ arguments: [String], environment: [String: String] = [:]) throws -> Lemming.Result {
        try Lemming.run(arguments, in: root, environment: environment)
    }

    /// Runs `lemming arguments… --json` and parses what it printed.
    func lemmingJSON(_ arguments: [String]) throws -> JSONValue {
        let result = try lemming(arguments + ["--json"])
        guard result.status == 0 else {
            throw OperatorTestFailure("lemming \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return try JSONValue.parse(result.stdout)
    }
}

extension JSONValue {
    /// The `results` of a search page.
    var results: [JSONValue] { self["results"]?.arrayValue ?? [] }

    /// A string field of each result.
    func strings(_ field: String) -> [String] { results.compactMap { $0[field]?.stringValue } }
}
