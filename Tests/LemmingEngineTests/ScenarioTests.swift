import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingProviders
import LemmingTesting
import Testing

/// Scenarios (`lemming test`): a scratch copy of an org run with a scenario's replies and
/// messages, and its expectations checked with reasons.
@Suite(.timeLimit(.minutes(1)))
struct ScenarioTests {
    /// A manager that hands the human's request to a coder, who reports back.
    static let agents = [TestAgent("manager", reads: ["human", "coder"]), TestAgent("coder", reads: ["manager"])]

    static let replies: JSONValue = [
        "scripted": [
            [
                "agent": "manager", "tick": 2,
                "reply": [
                    "outbox_entries": [
                        ["kind": "request", "payload": ["text": "Build the login page."], "to": "coder"]
                    ]
                ],
            ],
            [
                "agent": "coder", "tick": 3,
                "reply": [
                    "outbox_entries": [
                        ["kind": "report", "payload": ["text": "Login page SHIPPED."], "to": ["manager"]]
                    ]
                ],
            ],
        ]
    ]

    /// A runner with this build's providers and a fixed clock, making scratch orgs in `scratch`.
    static func runner(scratch: String) -> ScenarioRunner {
        ScenarioRunner(
            configuration: { root in
                Engine.Configuration(
                    root: root, providers: ProviderFactory(environment: TestSandbox.environment()),
                    clock: TemporaryOrg.fixedClock)
            },
            providers: ProviderFactory(environment: TestSandbox.environment()), templates: [:],
            scratchFolder: scratch)
    }

    /// Writes `scenario` beside nothing in a folder of its own and runs it.
    static func run(_ scenario: JSONValue) async throws -> ScenarioResult {
        let folder = try makeTemporaryDirectory(prefix: "lemming-scenario-test-")
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(scenario), to: folder + "/s.json")
        return await runner(scratch: folder + "/scratch").run(
            try Scenario.load(path: folder + "/s.json", file: "s.json"))
    }

    @Test func expectationsPassWithEvidenceAndFailWithWhatCameClosest() async throws {
        let org = try TemporaryOrg.make(agents: Self.agents)
        defer { org.remove() }
        let before = try org.files()
        let result = try await Self.run([
            "org": .string(org.root), "replies": Self.replies, "ticks": 3,
            "messages": [["tick": 1, "to": ["manager"], "text": "We need a login page."]],
            "expect": [
                "entries": [
                    ["from": "manager", "to": "coder", "kind": "request", "by_tick": 2],
                    ["from": "coder", "to": "manager", "contains": "shipped"],
                    ["from": "coder", "to": "human"],
                    ["from": "coder", "contains": "shipped", "by_tick": 2],
                    ["from": "manager", "contains": "signup"],
                ],
                "max_cost": 1, "no_violations": true, "no_loop_detected": true, "no_failed_turns": true,
            ],
        ])
        #expect(result.error == nil)
        let checks = Dictionary(uniqueKeysWithValues: result.checks.map { ($0.name, $0) })
        #expect(
            result.checks.map(\.name) == [
                "run", "entry from manager to coder of kind request by tick 2",
                "entry from coder to manager containing “shipped”",
                "entry from coder to human", "entry from coder containing “shipped” by tick 2",
                "entry from manager containing “signup”", "no violations", "cost at most 1",
                "no agent ends loop_detected",
                "no failed turns",
            ])
        #expect(checks["run"]?.detail.hasPrefix("3 ticks, 6 turns, 3 entries, ") == true)
        #expect(
            checks["entry from manager to coder of kind request by tick 2"]?.detail
                == "00000002-manager-01 at tick 2: “Build the login page.”")
        #expect(checks["entry from coder to manager containing “shipped”"]?.passed == true)
        #expect(checks["entry from coder to human"]?.passed == false)
        #expect(
            checks["entry from coder to human"]?.detail
                == "none of the 1 entry of coder matches: 00000003-coder-01 (report to manager): “Login page SHIPPED.”")
        #expect(
            checks["entry from coder containing “shipped” by tick 2"]?.detail
                == "the first such entry, 00000003-coder-01, came at tick 3")
        #expect(checks["entry from manager containing “signup”"]?.passed == false)
        #expect(result.checks.filter { !$0.passed }.count == 3)
        // Six turns at the scripted `sim` prices (1 and 2 credits per million tokens).
        #expect(result.cost > 0 && result.cost < 1)
        // The scenario ran on a copy.
        #expect(try org.files() == before)
    }

    @Test func aRubricIsScoredByTheJudgeModelAndItsCostReported() async throws {
        let org = try TemporaryOrg.make(
            agents: Self.agents,
            models: [
                "sim": ["provider": "scripted"],
                "judge": [
                    "provider": "scripted", "replies": "judge.jsonl", "price_in_per_mtok": 10.0,
                    "price_out_per_mtok": 20.0,
                ],
            ])
        defer { org.remove() }
        let verdict =
            #"{"agent": "judge", "reply": "Verdict: {\"score\": 0.8, \"reason\": \"The coder shipped it.\"}"}"#
        try org.writeBytes("judge.jsonl", Array((verdict + "\n").utf8))
        for (threshold, passes) in [(0.7, true), (0.9, false)] {
            let result = try await Self.run([
                "org": .string(org.root), "replies": Self.replies, "ticks": 3,
                "expect": [
                    "rubric": ["judge": "judge", "prompt": "Did the coder ship?", "threshold": .double(threshold)]
                ],
            ])
            let rubric = try #require(result.checks.last)
            #expect(rubric.name == "rubric (judge judge) at least \(threshold)")
            #expect(rubric.passed == passes)
            #expect(
                rubric.detail.hasPrefix("score 0.8 \(passes ? "≥" : "<") \(threshold): The coder shipped it. (judge: "))
            #expect(rubric.detail.contains("tokens (estimated), "))
            let judgeCost = try #require(result.judgeCost)
            #expect(judgeCost > 0)
            // The judge's cost is its own: the org's agents ran on the free simulation.
            #expect(result.cost == 0)
        }
    }

    @Test func anAgentPausedAsALoopFailsNoLoopDetected() async throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")], config: ["loop_detection": ["repeat_limit": 2]])
        defer { org.remove() }
        let result = try await Self.run([
            "org": .string(org.root), "ticks": 3,
            "replies": ["scripted": [["agent": "a", "reply": ["outbox_entries": [["payload": ["text": "again"]]]]]]],
            "expect": ["no_loop_detected": true],
        ])
        let check = try #require(result.checks.last)
        #expect(check.name == "no agent ends loop_detected" && !check.passed)
        #expect(check.detail == "paused as loop_detected: a")
    }

    @Test(arguments: [
        (["org": ".", "template": "init", "ticks": 1] as JSONValue, "give either \"org\" or \"template\", not both"),
        (["org": "."] as JSONValue, "scenario"),
        (
            ["org": ".", "ticks": 2, "messages": [["tick": 3, "to": "a", "text": "hi"]]] as JSONValue,
            "messages[0].tick: is after the last tick the scenario runs"
        ),
        (["org": ".", "ticks": 1, "expect": ["max_cost": -1]] as JSONValue, "scenario.expect.max_cost"),
        (
            ["org": ".", "ticks": 1, "replies": ["model": "m", "mode": "strict"]] as JSONValue,
            "replies.mode: applies only to a cassette"
        ),
    ])
    func aBadScenarioFileIsAnErrorNamingWhatIsWrong(scenario: JSONValue, message: String) throws {
        let folder = try makeTemporaryDirectory(prefix: "lemming-scenario-test-")
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.writeAtomically(JSONWriter(style: .compact).bytes(scenario), to: folder + "/s.json")
        let error = #expect(throws: LemmingError.self) { try Scenario.load(path: folder + "/s.json", file: "s.json") }
        #expect(error?.description.hasPrefix("s.json: ") == true)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test func aScenarioNamingAnUnknownAgentCannotRun() async throws {
        let org = try TemporaryOrg.make(agents: Self.agents)
        defer { org.remove() }
        let result = try await Self.run([
            "org": .string(org.root), "ticks": 1, "messages": [["tick": 1, "to": "ghost", "text": "hello"]],
        ])
        #expect(result.error == "s.json: messages[0].to: no agent named 'ghost' in the org")
        #expect(!result.passed)
    }

    @Test func aMessageTheEngineRefusesStopsTheScenarioWithTheReason() async throws {
        let org = try TemporaryOrg.make(agents: Self.agents)
        defer { org.remove() }
        let result = try await Self.run([
            "org": .string(org.root), "ticks": 1,
            "messages": [["tick": 1, "to": "manager", "text": "hello", "kind": "Not A Kind!"]],
        ])
        #expect(result.error == "s.json: a message of tick 1 was refused: 'Not A Kind!' is not a valid kind")
    }

    @Test func aCassetteNotRecordedYetIsAnErrorThatSaysHowToRecordIt() async throws {
        let org = try TemporaryOrg.make(agents: Self.agents)
        defer { org.remove() }
        let result = try await Self.run([
            "org": .string(org.root), "ticks": 1, "replies": ["cassette": "cassettes/none.jsonl"],
        ])
        #expect(
            result.error
                == "s.json: replies.cassette: the cassette cassettes/none.jsonl does not exist: record it with "
                + "`lemming test --record`")
    }

    @Test func junitEscapesWhatXMLCannotHoldAsIs() {
        var result = ScenarioResult(name: "a & b", file: "s.json")
        result.checks = [
            .init(name: "run", passed: true, detail: "ok"),
            .init(name: "entry <x>", passed: false, detail: "said \"no\" & 'never'\u{1}"),
        ]
        let xml = JUnitReport.xml([result])
        #expect(xml.contains(#"<testsuites name="lemming test" tests="2" failures="1" errors="0" "#))
        #expect(xml.contains(#"<testcase name="entry &lt;x&gt;" classname="a &amp; b" time="0.000">"#))
        #expect(
            xml.contains(
                #"<failure message="said &quot;no&quot; &amp; &apos;never&apos;\#u{FFFD}" type="assertion">"#))
    }
}
