import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting

/// Orgs with a history to search: entries of several kinds, tags and priorities, memory, notes.
enum HistoryOrg {
    /// A reply of the scripted model.
    static func reply(
        _ texts: [String], to: [String]? = nil, kind: String = "message", tags: [String] = [],
        priority: String = "normal", memory: [String: String] = [:], notes: String? = nil
    ) -> JSONValue {
        var object = JSONObject()
        object["outbox_entries"] = .array(
            texts.map { text in
                var entry: JSONObject = [
                    "kind": .string(kind), "payload": ["text": .string(text)], "tags": .strings(tags),
                    "priority": .string(priority),
                ]
                if let to { entry["to"] = .strings(to) }
                return .object(entry)
            })
        object["memory_updates"] = .array(
            memory.sorted { $0.key < $1.key }.map { ["op": "set", "key": .string($0.key), "value": .string($0.value)] })
        if let notes { object["notes"] = .string(notes) }
        return .object(object)
    }

    /// Three ticks: the manager asks the coder (urgent, tagged), the coder reports to all, the
    /// manager tells the human.
    static let script: [ScriptLine] = [
        ScriptLine(
            "manager", tick: 1,
            reply(
                ["Please draft the login page spec", "Budget review is due on Friday"], to: ["coder"],
                kind: "request", tags: ["planning"], priority: "urgent",
                memory: ["plan": "ship the login page before the launch"], notes: "split the work for the sprint")),
        ScriptLine("coder", tick: 2, reply(["The login page spec is drafted"], kind: "report", tags: ["spec"])),
        ScriptLine(
            "manager", tick: 3,
            reply(["Thanks, the login spec is in review"], to: ["human"], notes: "waiting for the reviewer")),
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
