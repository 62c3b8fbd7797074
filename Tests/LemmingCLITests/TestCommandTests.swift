import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `lemming test`: scenario files run through the real binary, recorded once and replayed, with
/// JUnit XML that an XML parser reads.
@Suite(.timeLimit(.minutes(3)))
struct TestCommandTests {
    /// An org made by `lemming init` in `directory/org`, with `scenarios` written under it.
    func makeOrg(in directory: String, scenarios: [String: JSONValue]) throws -> String {
        let created = try Lemming.run(["init", "org"], in: directory)
        #expect(created.status == 0, "\(created.stderr)")
        let org = directory + "/org"
        for (name, scenario) in scenarios {
            let path = org + "/scenarios/" + name
            try FileSystem.makeDirectory(FileSystem.parentDirectory(of: path))
            try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(scenario), to: path)
        }
        return org
    }

    /// A scenario on the org around its folder: the human asks the manager for the login page.
    static func loginScenario(text: String = "Please build the login page.", expect: JSONValue? = nil) -> JSONValue {
        [
            "name": "login page", "org": "..",
            "replies": ["cassette": "cassettes/login.jsonl", "mode": "strict"],
            "messages": [["tick": 1, "to": "manager", "text": .string(text)]],
            "ticks": 3,
            "expect": expect ?? [
                "entries": [
                    [
                        "from": "manager", "to": "human", "kind": "response", "contains": "login page",
                        "by_tick": 2,
                    ]
                ],
                "no_violations": true, "no_loop_detected": true, "no_failed_turns": true, "max_cost": 1,
            ],
        ]
    }

    /// The org's files, but those a scenario may write (its cassettes) and the search index.
    func snapshot(_ org: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: org)
        while let path = enumerator?.nextObject() as? String {
            guard !path.hasPrefix("scenarios/cassettes"), !path.hasPrefix("state/search.sqlite"),
                FileSystem.info(org + "/" + path)?.isRegularFile == true
            else { continue }
            files[path] = try FileSystem.read(org + "/" + path)
        }
        return files
    }

    /// The `testcase` elements of a JUnit document, by suite: (suite, case, failure message or nil).
    func testCases(_ xml: String) throws -> [(suite: String, name: String, failure: String?, error: String?)] {
        let document = try XMLDocument(xmlString: xml)
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        var cases: [(String, String, String?, String?)] = []
        for suite in root.elements(forName: "testsuite") {
            let suiteName = suite.attribute(forName: "name")?.stringValue ?? ""
            for testCase in suite.elements(forName: "testcase") {
                #expect(testCase.attribute(forName: "classname")?.stringValue == suiteName)
                cases.append(
                    (
                        suiteName, testCase.attribute(forName: "name")?.stringValue ?? "",
                        testCase.elements(forName: "failure").first?.attribute(forName: "message")?.stringValue,
                        testCase.elements(forName: "error").first?.attribute(forName: "message")?.stringValue
                    ))
            }
        }
        return cases
    }

    @Test func aScenarioRecordedOnceReplaysFromItsCassetteAndPasses() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let org = try makeOrg(in: directory, scenarios: ["login.json": Self.loginScenario()])
        let before = try snapshot(org)

        let recorded = try Lemming.run(["test", "--record"], in: org)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        #expect(recorded.stdout.contains("recorded cassettes/login.jsonl"), "\(recorded.stdout)")
        let cassette = try #require(try FileSystem.readIfPresent(org + "/scenarios/cassettes/login.jsonl"))
        // Four agents, three ticks: every turn's call.
        #expect(cassette.split(separator: 0x0A).count == 12)

        let replayed = try Lemming.run(["test", "--junit", directory + "/report.xml"], in: org)
        #expect(replayed.status == 0, "\(replayed.stdout)\(replayed.stderr)")
        let lines = replayed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("PASS login page (scenarios/login.json, ") == true, "\(replayed.stdout)")
        #expect(lines.contains { $0.hasPrefix("  ✓ run: 3 ticks, 12 turns, ") }, "\(replayed.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "  ✓ entry from manager to human of kind response containing “login page” by tick 2: "
                        + "00000001-manager-01 at tick 1")
            }, "\(replayed.stdout)")
        #expect(lines.last == "1 scenario: 1 passed, 0 failed")
        // The original org is untouched: no tick ran there.
        #expect(try snapshot(org) == before)

        let xml = try #require(try FileSystem.readIfPresent(directory + "/report.xml"))
        let cases = try testCases(String(decoding: xml, as: UTF8.self))
        #expect(cases.map(\.name).first == "run")
        #expect(cases.count == 6)
        #expect(cases.allSatisfy { $0.suite == "login page" && $0.failure == nil && $0.error == nil })

        let json = try Lemming.run(["test", "scenarios/login.json", "--json"], in: org)
        #expect(json.status == 0)
        let report = try JSONValue.parse(json.stdout)
        #expect(report["passed"] == 1 && report["failed"] == 0)
        let scenario = try #require(report["scenarios"]?.arrayValue?.first)
        #expect(scenario["checks"]?.arrayValue?.count == 6)
        #expect(scenario["turns"] == 12)
    }

    @Test func failingScenariosExitOneWithTheirReasonsInTheSummaryAndTheJUnitReport() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let org = try makeOrg(
            in: directory,
            scenarios: [
                "a-login.json": Self.loginScenario(),
                "b-costly.json": [
                    "template": "init", "ticks": 2,
                    "replies": [
                        "scripted": [["agent": "coder", "tick": 1, "reply": "this is not JSON & <not> a reply"]]
                    ],
                    "expect": [
                        "entries": [["from": "coder", "contains": "shipped", "by_tick": 1]],
                        "max_cost": 0, "no_violations": true,
                    ],
                ],
                "c-broken.json": ["org": "..", "ticks": 0],
            ])
        #expect(try Lemming.run(["test", "--record", "scenarios/a-login.json"], in: org).status == 0)
        // The human now asks something else: the strict cassette no longer answers the manager.
        try FileSystem.writeAtomically(
            JSONWriter(style: .pretty).bytes(Self.loginScenario(text: "Please build the signup page.")),
            to: org + "/scenarios/a-login.json")

        let result = try Lemming.run(["test", "--junit", "report.xml"], in: org)
        #expect(result.status == 1)
        let out = result.stdout
        #expect(out.contains("FAIL login page (scenarios/a-login.json, "), "\(out)")
        #expect(out.contains("  ✗ no failed turns: "), "\(out)")
        #expect(out.contains("manager at tick 1: provider_failed (cassette_mismatch: "), "\(out)")
        #expect(out.contains("message 2 (user) differs"), "\(out)")
        #expect(out.contains("FAIL b-costly (scenarios/b-costly.json, "), "\(out)")
        #expect(out.contains("  ✗ entry from coder containing “shipped” by tick 1: "), "\(out)")
        #expect(out.contains("  ✗ cost at most 0: spent "), "\(out)")
        #expect(out.contains("  ✗ no violations: 1 violation: coder at tick 1: not_json"), "\(out)")
        #expect(out.contains("FAIL c-broken (scenarios/c-broken.json): error: scenarios/c-broken.json: "), "\(out)")
        #expect(out.hasSuffix("3 scenarios: 0 passed, 3 failed\n"), "\(out)")

        let xml = try #require(try FileSystem.readIfPresent(org + "/report.xml"))
        let cases = try testCases(String(decoding: xml, as: UTF8.self))
        let failed = cases.filter { $0.failure != nil }
        #expect(Set(failed.map(\.suite)) == ["login page", "b-costly"])
        #expect(failed.contains { $0.name == "no failed turns" && $0.failure?.contains("cassette_mismatch") == true })
        #expect(failed.contains { $0.name == "no violations" && $0.failure?.contains("not_json") == true })
        let broken = try #require(cases.first { $0.suite == "c-broken" })
        #expect(broken.name == "run" && broken.error?.contains("ticks") == true)
    }

    @Test func theScenarioSchemaIsPrinted() throws {
        let result = try Lemming.run(["schema", "scenario"])
        #expect(result.status == 0)
        let schema = try JSONValue.parse(result.stdout)
        #expect(schema["title"] == "LeMMing scenario")
        #expect(schema["$defs"]?["expect"]?["properties"]?["no_loop_detected"] != nil)
    }

    @Test func aMissingPathOrAnOrgWithoutScenariosIsAnError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let org = try makeOrg(in: directory, scenarios: [:])
        let none = try Lemming.run(["test"], in: org)
        #expect(none.status == 1)
        #expect(none.stderr == "error: scenarios: no scenario file or folder here\n")
    }
}
