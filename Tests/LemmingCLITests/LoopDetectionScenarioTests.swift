import Foundation
import LemmingCore
import LemmingJSON
import Testing

// Loop detection measured on whole runs of the real binary (issue 11 item 11): the normal scenarios
// (the `lemming init` org on the offline simulation, as `lemming demo` runs it, with workers made
// from the org's template) must never be flagged, and the rotating thank-yous of
// shared/cases/21-loop-rotating-wording must be. The runs' turn records are replayed through
// LoopDetector, so this measures the detector before the engine pauses anyone.

/// One verdict found by replaying an org's turn records.
private struct Flagged {
    var agent: String
    var tick: Int
    var verdict: LoopVerdict
}

/// Replays every agent's turn records through a fresh detector: each record's reply is parsed again
/// and its inbox read back from the outboxes.
private func replayLoopDetection(
    root: String, repeatLimit: Int = 5, ignoringMemory: Bool = false
) throws -> (turns: Int, flagged: [Flagged], longestStreak: Int) {
    let paths = OrgPaths(root: root)
    let store = FileOrgStore(paths: paths)
    let detector = LoopDetector(repeatLimit: repeatLimit)
    var turns = 0
    var flagged: [Flagged] = []
    var longestStreak = 0
    for agent in (try FileSystem.list(paths.agents) ?? []).sorted() {
        guard let bytes = try FileSystem.readIfPresent(root + "/agents/\(agent)/logs/turns.jsonl") else { continue }
        var history = LoopHistory()
        for line in bytes.split(separator: 0x0A) {
            let record = try JSONValue.parse(Array(line))
            guard let text = record["reply"]?["text"]?.stringValue, let tick = record["tick"]?.intValue else {
                continue
            }
            var reply = ReplyParser(limits: OrgConfig(name: "replay").replies).parse(text)
            if ignoringMemory { reply.memoryUpdates = [] }
            let inbox = (record["inbox"]?.arrayValue ?? []).compactMap { id -> OutboxEntry? in
                guard let id = id.stringValue.flatMap({ EntryID($0) }), case .success(let entry) = store.readEntry(id)
                else { return nil }
                return entry
            }
            if reply.hasActions { turns += 1 }
            if let verdict = detector.observe(reply, inbox: inbox, tick: tick, history: &history) {
                flagged.append(Flagged(agent: agent, tick: tick, verdict: verdict))
            }
            longestStreak = max(longestStreak, history.streak)
        }
    }
    return (turns, flagged, longestStreak)
}

private func lemming(_ arguments: [String], org: String) throws {
    let result = try Lemming.run(arguments.first == "init" ? arguments : arguments + ["--org", org])
    guard result.status == 0 else {
        Issue.record("lemming \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        return
    }
}

/// What people ask the manager of the `init` org, in turn.
private let requests = [
    "Please plan and build a login page, then tell me when it is reviewed.",
    "Any update?",
    "Add a password reset flow with an email link.",
    "What is blocking the signup form?",
    "Any update?",
    "Please review the session handling for expired tokens.",
    "Write the release notes for version 1.2.",
    "Thanks, good work.",
    "Can the coder fix the flaky test in the payments module?",
    "Status?",
    "Plan the migration of the user table to the new schema.",
    "Thanks!",
]

@Suite(.timeLimit(.minutes(5)))
struct LoopDetectionScenarioTests {
    @Test func theInitOrgOnTheSimulationIsNeverFlagged() throws {
        let org = try temporaryDirectory() + "/org"
        defer { try? FileSystem.removeTree(FileSystem.parentDirectory(of: org)) }
        try lemming(["init", org], org: org)
        // Two workers from the org's template, reading the manager as the template says.
        try lemming(["agent", "new", "worker_a"], org: org)
        try lemming(["agent", "new", "worker_b"], org: org)
        for round in 0..<24 {
            try lemming(["send", "manager", requests[round % requests.count]], org: org)
            try lemming(["run", "--ticks", String(5 + round % 7), "--quiet"], org: org)
        }
        try lemming(["run", "--ticks", "40", "--quiet"], org: org)
        for ignoringMemory in [false, true] {
            // Without its memory writes, the simulation's replies are judged by their words alone.
            let (turns, flagged, streak) = try replayLoopDetection(root: org, ignoringMemory: ignoringMemory)
            print(
                "loop detection, init org\(ignoringMemory ? " (words only)" : ""): \(turns) acting turns, "
                    + "\(flagged.count) flagged, longest streak without progress \(streak)")
            #expect(turns > 100)
            #expect(flagged.map { "\($0.agent)@\($0.tick): \($0.verdict.summary(agent: $0.agent))" } == [])
        }
    }

    @Test func theDemoRunIsNeverFlagged() throws {
        let org = try temporaryDirectory() + "/org"
        defer { try? FileSystem.removeTree(FileSystem.parentDirectory(of: org)) }
        try lemming(["init", org], org: org)
        try lemming(
            ["send", "manager", "Please plan and build a login page, then tell me when it is reviewed."], org: org)
        try lemming(["run", "--ticks", "60", "--quiet"], org: org)
        for ignoringMemory in [false, true] {
            let (turns, flagged, streak) = try replayLoopDetection(root: org, ignoringMemory: ignoringMemory)
            print(
                "loop detection, demo\(ignoringMemory ? " (words only)" : ""): \(turns) acting turns, "
                    + "\(flagged.count) flagged, longest streak without progress \(streak)")
            #expect(turns > 5)
            #expect(flagged.isEmpty)
        }
    }

    @Test func theRotatingThankYousOfCase21AreCaughtAtTickSeven() throws {
        let org = try temporaryDirectory() + "/org"
        defer { try? FileSystem.removeTree(FileSystem.parentDirectory(of: org)) }
        try lemming(["init", org], org: org)
        for agent in ["manager", "planner", "coder", "reviewer"] {
            try FileSystem.removeTree(org + "/agents/" + agent)
        }
        let alice = [
            "Thank you so much for your help!", "Thanks again, really appreciated.", "Many thanks for everything!",
        ]
        let bob = ["You are welcome! Happy to help.", "Anytime, glad it worked out.", "My pleasure!"]
        var lines: [String] = []
        for tick in 1...15 {
            for (agent, partner, texts) in [("alice", "bob", alice), ("bob", "alice", bob)] {
                let reply: JSONValue = [
                    "outbox_entries": [
                        [
                            "kind": "message", "to": [.string(partner)],
                            "payload": ["text": .string(texts[(tick - 1) % 3])],
                        ]
                    ]
                ]
                let line: JSONValue = ["agent": .string(agent), "tick": .int(tick), "reply": reply]
                lines.append(line.compactText)
            }
        }
        try FileSystem.writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: org + "/replies.jsonl")
        let models: JSONValue = ["sim": ["provider": "scripted", "replies": "replies.jsonl"]]
        try FileSystem.writeAtomically(JSONWriter(style: .pretty).bytes(models), to: org + "/models.json")
        for (agent, reads) in [("alice", ["human", "bob"]), ("bob", ["alice"])] {
            try FileSystem.makeDirectory(org + "/agents/\(agent)")
            let resume: JSONValue = [
                "name": .string(agent), "title": .string(agent), "short_description": "A polite agent.",
                "instructions": "Be polite.", "model": ["key": "sim"],
                "permissions": ["read_outboxes": .strings(reads)], "schedule": ["run_every_n_ticks": 1],
            ]
            try FileSystem.writeAtomically(
                JSONWriter(style: .pretty).bytes(resume), to: org + "/agents/\(agent)/resume.json")
        }
        try lemming(["send", "alice", "Thanks both, the task is done."], org: org)
        try lemming(["run", "--ticks", "15", "--quiet"], org: org)
        let (_, flagged, _) = try replayLoopDetection(root: org)
        let first = Dictionary(flagged.map { ($0.agent, $0.tick) }, uniquingKeysWith: min)
        print("loop detection, case 21: first verdicts \(first.sorted { $0.key < $1.key })")
        #expect(first == ["alice": 7, "bob": 7])
        let alicesVerdict = try #require(flagged.first { $0.agent == "alice" }?.verdict)
        #expect(alicesVerdict.kind == .pingPong)
        #expect(alicesVerdict.partners == ["bob"])
    }
}
