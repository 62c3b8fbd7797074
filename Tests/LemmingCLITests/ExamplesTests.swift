import Foundation
import LemmingCore
import LemmingJSON
import Testing

/// The example orgs of `examples/` (issue 17), each copied to a temporary folder and run offline
/// through the built binary as its README runs it: what the agents wrote, the files their tools
/// wrote, their memory, schedules, budgets and approvals.
@Suite(.timeLimit(.minutes(3)))
struct ExamplesTests {
    /// `examples/` of this repository.
    static let examples =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    static let names = ["research-group", "software-team", "support-desk"]

    /// A copy of `examples/NAME`, and the folder to remove afterwards.
    func copy(_ name: String) throws -> (directory: String, org: String) {
        let directory = try temporaryDirectory()
        let org = directory + "/" + name
        try FileSystem.copyTree(from: Self.examples + "/" + name, to: org)
        return (directory, org)
    }

    /// Runs `lemming arguments…` in `org`; a failure is recorded with its output.
    @discardableResult
    func lemming(_ arguments: [String], in org: String) throws -> Lemming.Result {
        let result = try Lemming.run(arguments, in: org)
        #expect(
            result.status == 0,
            "lemming \(arguments.joined(separator: " ")) exited \(result.status): \(result.stdout)\(result.stderr)")
        return result
    }

    func json(_ org: String, _ path: String) throws -> JSONValue {
        try JSONValue.parse(try FileSystem.read(org + "/" + path))
    }

    func text(_ org: String, _ path: String) throws -> String? {
        try FileSystem.readIfPresent(org + "/" + path).map { String(decoding: $0, as: UTF8.self) }
    }

    func entry(_ org: String, _ id: String) throws -> JSONValue {
        let author = id.split(separator: "-")[1]
        return try json(org, "agents/\(author)/outbox/\(id).json")
    }

    /// The entries an agent wrote, by id.
    func entries(_ org: String, of agent: String) throws -> [JSONValue] {
        let names = try FileSystem.list(org + "/agents/\(agent)/outbox") ?? []
        return try names.sorted().map { try json(org, "agents/\(agent)/outbox/\($0)") }
    }

    /// The agent's turn records (one per turn that called its model).
    func turns(_ org: String, of agent: String) throws -> [JSONValue] {
        guard let bytes = try FileSystem.readIfPresent(org + "/agents/\(agent)/logs/turns.jsonl") else { return [] }
        return try bytes.split(separator: 0x0A).map { try JSONValue.parse(Array($0)) }
    }

    func memory(_ org: String, of agent: String, _ key: String) throws -> JSONValue? {
        try FileSystem.readIfPresent(org + "/agents/\(agent)/memory/\(key).json").map { try JSONValue.parse($0) }
    }

    /// The reply the example's `replies.jsonl` scripts for `agent` at `tick` (nil: the line without a tick).
    func scriptedReply(_ org: String, agent: String, tick: Int?) throws -> JSONValue? {
        let lines = try #require(try text(org, "replies.jsonl")).split(separator: "\n")
        for line in lines where !line.hasPrefix("//") {
            let value = try JSONValue.parse(String(line))
            if value["agent"]?.stringValue == agent, value["tick"]?.intValue == tick { return value["reply"] }
        }
        return nil
    }

    /// The regular files under `root`, relative to it.
    static func files(under root: String) -> Set<String> {
        var files: Set<String> = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            if FileSystem.info(root + "/" + path)?.isRegularFile == true { files.insert(path) }
        }
        return files
    }

    /// What a run wrote into the copy must not already be in the repository's example.
    func expectRepositoryHoldsNoneOf(_ copy: String, example name: String) {
        let written = Self.files(under: copy).subtracting(Self.files(under: Self.examples + "/" + name))
        #expect(!written.isEmpty)
        let inRepository = written.filter { FileSystem.exists(Self.examples + "/" + name + "/" + $0) }
        #expect(inRepository.isEmpty, "examples/\(name) holds files a run writes: \(inRepository.sorted())")
    }

    // MARK: - Every example

    @Test(arguments: names)
    func validatesCleanlyAndItsScenariosPass(name: String) throws {
        let (directory, org) = try copy(name)
        defer { try? FileSystem.removeTree(directory) }

        let validated = try lemming(["validate", "--json"], in: org)
        let report = try JSONValue.parse(validated.stdout)
        #expect(report["valid"] == true)
        #expect(report["issues"]?.arrayValue?.isEmpty == true, "\(validated.stdout)")
        let readme = try #require(try text(org, "README.md"))
        #expect(readme.contains("examples/\(name)"))
        #expect(readme.contains("<!-- docs-test: skip: needs an API key -->"))

        let tested = try lemming(["test", "--json"], in: org)
        let results = try JSONValue.parse(tested.stdout)
        #expect(results["failed"] == 0, "\(tested.stdout)")
        #expect((results["passed"]?.intValue ?? 0) >= 1)
        // The scenarios ran on scratch copies: the example's copy ran no tick.
        #expect(!FileSystem.exists(org + "/state/tick.json"))
    }

    @Test func theRepositoryExamplesHoldNoRuntimeState() throws {
        let names = try #require(try FileSystem.list(Self.examples)).filter {
            FileSystem.info(Self.examples + "/" + $0)?.isDirectory == true
        }
        #expect(names.sorted() == Self.names)
        for name in names {
            let files = Self.files(under: Self.examples + "/" + name)
            for required in ["README.md", "lemming.json", "models.json", "replies.jsonl"] {
                #expect(files.contains(required), "examples/\(name) has no \(required)")
            }
            #expect(files.contains { $0.hasPrefix("scenarios/") && $0.hasSuffix(".json") })
            for file in files.sorted() {
                let parts = file.split(separator: "/").map(String.init)
                let runtime =
                    ["state", "logs", "archive", "cassettes"].contains(parts[0])
                    || (parts[0] == "agents" && (parts.count != 3 || parts[2] != "resume.json"))
                    || FileSystem.isTemporaryName(parts[parts.count - 1])
                #expect(!runtime, "examples/\(name)/\(file) is runtime state: run the example on a copy")
            }
        }
    }

    // MARK: - The software team

    static let slugifyRequest =
        "Our signup form needs URL slugs for team names. Please add a slugify(text) helper to shared/utils: "
        + "lowercase ASCII, words joined by single hyphens, nothing else. With unit tests. Tell me when it has "
        + "been reviewed."

    @Test func theSoftwareTeamWritesReviewsAndReportsTheCode() throws {
        let (directory, org) = try copy("software-team")
        defer { try? FileSystem.removeTree(directory) }
        let sent = try lemming(["send", "manager", Self.slugifyRequest], in: org)
        #expect(sent.stdout.hasPrefix("sent 00000001-human-01 to manager"))
        try lemming(["run", "--ticks", "6"], in: org)

        // The manager's task, its answer and its plan.
        let task = try entry(org, "00000001-manager-01")
        #expect(task["kind"] == "request" && task["recipients"] == ["coder"])
        #expect(task["reply_to"] == "00000001-human-01")
        let answer = try entry(org, "00000001-manager-02")
        #expect(answer["kind"] == "response" && answer["recipients"] == ["human"])

        // The coder's file_write calls ran at tick 2: the files hold what the reply asked for.
        let coderTurns = try turns(org, of: "coder")
        #expect(coderTurns.compactMap { $0["tick"]?.intValue } == [2, 3, 6])
        let writes = try #require(try scriptedReply(org, agent: "coder", tick: 2)?["tool_calls"]?.arrayValue)
        #expect(writes.count == 2)
        for write in writes {
            let path = try #require(write["args"]?["path"]?.stringValue)
            let content = try #require(write["args"]?["content"]?.stringValue)
            #expect(try text(org, path) == content, "\(path)")
        }
        #expect(try text(org, "shared/utils/slugify.py")?.contains("def slugify(text: str) -> str:") == true)
        #expect(try text(org, "shared/utils/test_slugify.py")?.contains("from slugify import slugify") == true)
        let written = try #require(coderTurns.first?["tool_results"]?.arrayValue)
        #expect(written.allSatisfy { $0["success"] == true }, "\(written)")

        // The review request, then the reviewer reading the real files and replying to it.
        let request = try entry(org, "00000003-coder-01")
        #expect(request["kind"] == "request" && request["recipients"] == ["reviewer", "manager"])
        #expect(request["reply_to"] == "00000001-manager-01" && request["thread"] == "00000001-human-01")
        let reviewerTurns = try turns(org, of: "reviewer")
        #expect(reviewerTurns.compactMap { $0["tick"]?.intValue } == [4, 5])
        let reads = try #require(reviewerTurns.first?["tool_results"]?.arrayValue)
        #expect(reads.map { $0["tool"] } == ["file_read", "file_read"])
        #expect(reads.first?["output"]?.stringValue?.contains("_SEPARATORS.sub(") == true)
        let review = try entry(org, "00000005-reviewer-01")
        #expect(review["kind"] == "response" && review["reply_to"] == "00000003-coder-01")
        #expect(review["payload"]?["text"]?.stringValue?.hasPrefix("Approved.") == true)
        #expect(review["recipients"] == ["coder", "manager"])
        // The reviewer may read but not write: its permissions hold no writing tool.
        let reviewer = try json(org, "agents/reviewer/resume.json")
        #expect(reviewer["permissions"]?["tools"] == ["file_read", "file_list", "file_search"])

        // The report to the human, and memory.
        let report = try entry(org, "00000006-manager-01")
        #expect(report["kind"] == "report" && report["recipients"] == ["human"])
        #expect(report["reply_to"] == "00000001-human-01")
        #expect(report["payload"]?["text"]?.stringValue?.hasPrefix("Done and reviewed") == true)
        let plan = try #require(try memory(org, of: "manager", "plan"))
        #expect(plan["op"] == "merge" && plan["updated_tick"] == 6)
        #expect(plan["value"]?["status"] == "done" && plan["value"]?["request"] == "00000001-human-01")
        let followups = try #require(try memory(org, of: "coder", "followups"))
        #expect(followups["op"] == "append" && followups["value"]?.arrayValue?.count == 1)

        let inbox = try lemming(["inbox", "--json"], in: org)
        #expect(
            try JSONValue.parse(inbox.stdout).arrayValue?.compactMap { $0["id"]?.stringValue } == [
                "00000001-manager-02", "00000006-manager-01",
            ])
        expectRepositoryHoldsNoneOf(org, example: "software-team")
    }

    // MARK: - The research group

    @Test func theResearchGroupRunsOnItsScheduleKeepsItsFindingsAndSendsTheDigest() throws {
        let (directory, org) = try copy("research-group")
        defer { try? FileSystem.removeTree(directory) }
        try lemming(["run", "--ticks", "8"], in: org)

        // Exactly the scheduled ticks: the scout every 2 from tick 1, the analyst every 4.
        let scoutTurns = try turns(org, of: "scout")
        #expect(scoutTurns.compactMap { $0["tick"]?.intValue } == [1, 3, 5, 7])
        #expect(scoutTurns.allSatisfy { $0["stop_reason"] == "completed" })
        #expect(try turns(org, of: "analyst").compactMap { $0["tick"]?.intValue } == [4, 8])

        // The scout read the real feed, and batch 03 does not exist yet.
        let sweeps = scoutTurns.map { $0["tool_results"]?.arrayValue?.first }
        #expect(sweeps[0]?["output"]?.stringValue?.contains("F-0101: Citations that do not support") == true)
        #expect(sweeps[1]?["output"]?.stringValue?.contains("F-0203: Do attribution metrics") == true)
        #expect(sweeps[2]?["success"] == false && sweeps[3]?["success"] == false)
        let reports = try entries(org, of: "scout").filter { $0["kind"] == "report" }
        #expect(reports.compactMap { $0["tick"]?.intValue } == [3, 5])
        #expect(reports.allSatisfy { $0["recipients"] == ["analyst"] })
        #expect(try memory(org, of: "scout", "next_batch")?["value"] == 3)

        // The analyst's memory: every finding appended, the themes merged.
        let findings = try #require(try memory(org, of: "analyst", "findings"))
        #expect(findings["op"] == "append" && findings["updated_tick"] == 8)
        #expect(
            findings["value"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [
                "F-0101", "F-0103", "F-0201", "F-0203",
            ])
        let themes = try #require(try memory(org, of: "analyst", "themes"))
        #expect(themes["op"] == "merge")
        #expect(themes["value"]?["attribution"] == ["F-0101", "F-0203"])
        #expect(themes["value"]?["retrieval judging"] == ["F-0103"])

        // The digest, to the human and in shared/digests/.
        let digest = try entry(org, "00000008-analyst-01")
        #expect(digest["kind"] == "report" && digest["recipients"] == ["human"] && digest["tags"] == ["digest"])
        let digestText = try #require(digest["payload"]?["text"]?.stringValue)
        #expect(digestText.hasPrefix("Weekly digest, week 01"))
        #expect(try text(org, "shared/digests/week-01.md") == digestText + "\n")

        // The scout's small budget: one low-credit status, and it kept sweeping.
        let warnings = try entries(org, of: "scout").filter { $0["kind"] == "status" }
        #expect(warnings.count == 1)
        #expect(warnings.first?["meta"]?["code"] == "soft_cap")
        let ledger = try json(org, "state/ledger.json")
        #expect(ledger["scout"]?["soft_cap_warned"] == true)
        let balance = try #require(ledger["scout"]?["balance"]?.doubleValue)
        #expect(balance > 0 && balance < 0.015)

        let agents = try JSONValue.parse(try lemming(["agents", "--json"], in: org).stdout)
        let next = (agents.arrayValue ?? []).reduce(into: [String: JSONValue]()) { next, agent in
            if let name = agent["name"]?.stringValue, let tick = agent["next_fire_tick"] { next[name] = tick }
        }
        #expect(next["scout"] == 9 && next["analyst"] == 12, "\(agents)")
        expectRepositoryHoldsNoneOf(org, example: "research-group")
    }

    // MARK: - The support desk

    static let tickets = [
        "ACME-1042 from Maya Chen (Northwind Bakery, Pro monthly plan): I was charged twice for March, invoices "
            + "INV-3381 and INV-3382, 29.00 EUR each. Please refund one of them.",
        "ACME-1043 from Jonas Weber (Harbor Logistics, Business plan): since this morning our invoice list shows "
            + "invoices of another company, Pinecrest Dental, with their customers' names and amounts. Can they see "
            + "ours too? We need an answer today.",
    ]

    @Test func theSupportDeskEscalatesAndRefundsOnlyOnceTheHumanApproves() throws {
        let (directory, org) = try copy("support-desk")
        defer { try? FileSystem.removeTree(directory) }
        for ticket in Self.tickets { try lemming(["send", "triage", "--kind", "ticket", ticket], in: org) }
        try lemming(["run", "--ticks", "4"], in: org)

        // The incident reached the human at once, urgent; the routine ticket went to the responder.
        let inbox = try JSONValue.parse(try lemming(["inbox", "--json"], in: org).stdout).arrayValue ?? []
        let escalation = try #require(inbox.first { $0["kind"] == "escalation" })
        #expect(escalation["id"] == "00000001-triage-02" && escalation["priority"] == "urgent")
        #expect(escalation["recipients"] == ["human"] && escalation["reply_to"] == "00000001-human-02")
        #expect(escalation["payload"]?["text"]?.stringValue?.hasPrefix("ACME-1043") == true)
        let routed = try entry(org, "00000001-triage-01")
        #expect(routed["kind"] == "request" && routed["recipients"] == ["responder"])
        #expect(routed["reply_to"] == "00000001-human-01" && routed["priority"] == "normal")

        // The refund waits for the human: pending, and not written.
        let header = "ticket,customer,invoice,amount,currency,reason\n"
        let pending = try JSONValue.parse(try lemming(["approvals", "--json"], in: org).stdout).arrayValue ?? []
        #expect(pending.count == 1)
        #expect(pending.first?["request"] == "00000003-responder-01" && pending.first?["tool"] == "file_append")
        #expect(try text(org, "shared/refunds.csv") == header)
        let refundLine = try #require(pending.first?["args"]?["content"]?.stringValue)
        #expect(refundLine.hasPrefix("ACME-1042,Northwind Bakery,INV-3382,29.00,EUR,"))
        #expect(try text(org, "shared/replies/ACME-1042.md")?.hasPrefix("Hi Maya,") == true)
        #expect(try turns(org, of: "responder").compactMap { $0["tick"]?.intValue } == [2, 3, 4])

        // Approved, the call runs at the next tick and the responder sees its result.
        try lemming(["approve", "00000003-responder-01"], in: org)
        try lemming(["run", "--ticks", "2"], in: org)
        #expect(try text(org, "shared/refunds.csv") == header + refundLine)
        #expect(try JSONValue.parse(try lemming(["approvals", "--json"], in: org).stdout) == [])
        let approval = try #require(try entries(org, of: "human").first { $0["kind"] == "approval" })
        #expect(approval["reply_to"] == "00000003-responder-01" && approval["tick"] == 5)
        let resolved = try entry(org, "00000005-responder-01")
        #expect(resolved["kind"] == "response" && resolved["reply_to"] == "00000001-triage-01")
        #expect(resolved["payload"]?["text"]?.stringValue?.hasPrefix("ACME-1042 resolved") == true)
        let afterApproval = try #require(try turns(org, of: "responder").last)
        #expect(afterApproval["tick"] == 5)

        // Triage closes the ticket in memory and reports the queue; the incident stays escalated.
        let queue = try entry(org, "00000006-triage-01")
        #expect(queue["kind"] == "report" && queue["recipients"] == ["human"])
        let tickets = try #require(try memory(org, of: "triage", "tickets"))
        #expect(tickets["op"] == "merge")
        #expect(tickets["value"]?["ACME-1042"]?["status"] == "resolved")
        #expect(tickets["value"]?["ACME-1043"]?["status"] == "escalated")
        expectRepositoryHoldsNoneOf(org, example: "support-desk")
    }
}
