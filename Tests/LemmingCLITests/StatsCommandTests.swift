import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `lemming stats` and `lemming compare` through the real binary (issue 15).
@Suite(.timeLimit(.minutes(3)))
struct StatsCommandTests {
    /// The `init` org after the human asked the manager something and `ticks` ticks ran.
    static func ranOrg(ticks: Int) throws -> InitOrg {
        let org = try InitOrg.make()
        let sent = try org.lemming(["send", "manager", "Please plan a login page."])
        let ran = try org.lemming(["run", "--ticks", String(ticks)])
        guard sent.status == 0, ran.status == 0 else {
            org.remove()
            throw OperatorTestFailure("setting up the org failed: \(sent.stderr)\(ran.stderr)")
        }
        return org
    }

    @Test func statsAgreeWithTheLedgerAndTimeTheManagersResponse() throws {
        let org = try Self.ranOrg(ticks: 4)
        defer { org.remove() }
        let result = try org.lemming(["stats", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try JSONValue.parse(result.stdout)
        let agents = try #require(stats["agents"]?.arrayValue)
        #expect(agents.compactMap { $0["agent"]?.stringValue } == ["coder", "manager", "planner", "reviewer"])
        let ledger = try org.json("state/ledger.json")
        for agent in agents {
            let name = try #require(agent["agent"]?.stringValue)
            #expect(agent["turns"] == ledger[name]?["turns"], "\(name)")
            #expect(agent["tokens_in"] == ledger[name]?["tokens_in"], "\(name)")
            #expect(agent["cost"]?.doubleValue == ledger[name]?["spent"]?.doubleValue, "\(name)")
            #expect(agent["balance"]?.doubleValue == ledger[name]?["balance"]?.doubleValue, "\(name)")
        }
        #expect(stats["total"]?["turns"] == 16)
        // The simulated manager answers the human's request (and its colleagues' follow-ups).
        let manager = try #require(agents.first { $0["agent"] == "manager" })
        #expect((manager["responses"]?.intValue ?? 0) >= 1)
        #expect(manager["median_response_ticks"]?.doubleValue != nil)
        #expect(stats["last_committed_tick"] == 4)

        let text = try org.lemming(["stats", "--agent", "manager,coder", "--from-tick", "2"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "acme: ticks 2 to 4 (of 4)")
        #expect(lines.dropFirst().first?.hasPrefix("AGENT    TURNS  FAILED  LOOPS  TOKENS IN") == true)
        #expect(
            lines.map { $0.split(separator: " ").first.map(String.init) ?? "" } == [
                "acme:", "AGENT", "manager", "coder", "total",
            ])
        #expect(lines[2].split(separator: " ").dropFirst().first == "3")
    }

    @Test func statsRefuseAnUnknownAgentAndAnEmptyRange() throws {
        let org = try InitOrg.make()
        defer { org.remove() }
        let unknown = try org.lemming(["stats", "--agent", "ghost"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: no agent named 'ghost' (agents: coder, manager, planner, reviewer)\n")
        let range = try org.lemming(["stats", "--from-tick", "3", "--to-tick", "2"])
        #expect(range.status == 64)
        #expect(range.stderr.hasPrefix("error: --from-tick must not be after --to-tick (see lemming stats --help)"))
        let empty = try org.lemming(["stats"])
        #expect(empty.status == 0)
        #expect(empty.stdout.hasPrefix("acme: no committed tick in the range (last committed tick 0)\n"))
    }

    @Test func compareSaysWhetherTwoRunsAreTheSameAndWhereTheyPart() throws {
        let a = try Self.ranOrg(ticks: 3)
        defer { a.remove() }
        let b = try Self.ranOrg(ticks: 3)
        defer { b.remove() }
        let same = try Lemming.run(["compare", a.root, b.root, "--fail-on-difference"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(
            same.stdout.hasSuffix("the entries are the same (\(try a.allEntries().count))\nthe runs are the same\n"))

        // B goes on: the human asks again and two more ticks run.
        #expect(try b.lemming(["send", "manager", "And a signup page."]).status == 0)
        #expect(try b.lemming(["run", "--ticks", "2"]).status == 0)
        let report = try Lemming.run(["compare", a.root, b.root])
        #expect(report.status == 0, "\(report.stderr)")
        let lines = report.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "the runs differ")
        #expect(lines.contains { $0.hasPrefix("*  manager") && $0.contains("3 → 5") }, "\(report.stdout)")
        #expect(lines.contains { $0.hasPrefix("first difference: entry ") })
        #expect(lines.contains { $0.hasPrefix("  A: no entry (A has ") })
        #expect(lines.contains("  B: 00000004-human-01 human → manager [message]"), "\(report.stdout)")

        let failing = try Lemming.run(["compare", a.root, b.root, "--fail-on-difference"])
        #expect(failing.status == 1)
        #expect(failing.stderr == "")
        let json = try Lemming.run(["compare", a.root, b.root, "--json"])
        let comparison = try JSONValue.parse(json.stdout)
        #expect(comparison["different"] == true)
        #expect(comparison["a"]?["root"]?.stringValue == a.root)
        #expect(comparison["a"]?["last_committed_tick"] == 3 && comparison["b"]?["last_committed_tick"] == 5)
        #expect(comparison["first_difference"]?["a"] == .null)
        #expect(comparison["agents"]?.arrayValue?.first?["differences"]?.arrayValue?.contains("turns") == true)

        let notAnOrg = try Lemming.run(["compare", a.root, a.directory + "/nowhere"])
        #expect(notAnOrg.status == 1)
        #expect(notAnOrg.stderr.hasPrefix("error: ") && notAnOrg.stderr.contains("not an org"))
    }
}
