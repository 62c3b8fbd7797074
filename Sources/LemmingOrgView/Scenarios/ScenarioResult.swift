import LemmingJSON

/// What running one scenario found.
public struct ScenarioResult: Sendable, Equatable {
    /// One assertion and its verdict.
    public struct Check: Sendable, Equatable {
        /// The assertion in words (`entry from manager to human containing “login” by tick 4`).
        public var name: String
        public var passed: Bool
        /// What was found: the evidence when it passed, the reason when it failed.
        public var detail: String

        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    public var name: String
    public var file: String
    /// Why the scenario could not run (a bad file, a missing org, an engine error); its checks are
    /// then empty.
    public var error: String?
    /// The first is always `run`: the ticks, turns, entries and cost of the run.
    public var checks: [Check] = []
    public var ticks = 0
    public var turns = 0
    public var entries = 0
    /// Credits the org spent.
    public var cost = 0.0
    /// Credits the rubric's judge call cost (not part of ``cost``), when there was one.
    public var judgeCost: Double?
    public var durationSeconds = 0.0
    /// The scratch copy, when it was kept (`--keep`).
    public var scratch: String?
    /// The cassette written (`--record`), as given in the scenario.
    public var recorded: String?

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }

    public var passed: Bool { error == nil && checks.allSatisfy(\.passed) }

    /// The result as `lemming test --json` prints it.
    public var json: JSONValue {
        [
            "name": .string(name), "file": .string(file), "passed": .bool(passed), "error": .optional(error),
            "ticks": .int(ticks), "turns": .int(turns), "entries": .int(entries), "cost": .double(cost),
            "judge_cost": judgeCost.map(JSONValue.double) ?? .null, "duration_seconds": .double(durationSeconds),
            "scratch": .optional(scratch), "recorded": .optional(recorded),
            "checks": .array(
                checks.map { ["name": .string($0.name), "passed": .bool($0.passed), "detail": .string($0.detail)] }),
        ]
    }
}
