import Foundation
import LemmingCore
import LemmingJSON
import Testing

/// `lemming demo`: the story of a team building a login page on the offline simulation.
@Suite struct DemoCommandTests {
    @Test(.timeLimit(.minutes(2)))
    func demoTellsTheStoryAndKeepsTheOrg() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let result = try Lemming.run(["demo", "--keep", "org"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let lines = Self.unwrapped(result.stdout)
        let root = directory + "/org"
        for expected in [
            // The human's request, and the manager's split into tasks for named teammates.
            "  human → manager [message] Please plan and build a login page, then tell me when it is reviewed.",
            """
              manager → human [response] Taking on a login page: planner plans it, coder builds shared/login-page.html, reviewer \
            reviews it. I will tell you when it is reviewed.
            """,
            "  manager → planner [message] Plan a login page: the steps, and what to build first.",
            "  manager → coder [message] Build a login page as shared/login-page.html, then ask for a review.",
            """
              manager remembers plan: status: in progress, topic: a login page, file: shared/login-page.html, \
            tasks: {planner, coder, reviewer}, request: 00000001-human-01
            """,
            // The coder's file_write waits for the human, who approves it; it runs at the next tick.
            """
              coder calls file_write(path: "shared/login-page.html", content: 19 lines) → waits for the human's \
            approval (request 00000002-coder-03)
            """,
            "  budget warning: coder is low on credits: 0.0035 left (warning level 0.0036).",
            """
              human approves 00000002-coder-03 — the demo answers for you; you would type `lemming approve \
            00000002-coder-03`
            """,
            """
              coder's file_write(path: "shared/login-page.html", content: 19 lines) runs, approved by the human \
            → ok
            """,
            "  coder → reviewer [request] Please review shared/login-page.html (a login page).",
            // The reviewer reads the file, answers with a review, and the manager reports.
            #"  reviewer calls file_read(path: "shared/login-page.html") → ok: 19 lines read"#,
            """
              reviewer → coder, manager [response] Reviewed shared/login-page.html (19 lines): a title, every \
            field labelled, password autocomplete, a POST form. Acceptable. Suggestion: add a “Forgot password?” link.
            """,
            """
              manager → human [report] Done: a login page, in shared/login-page.html; reviewer found it \
            acceptable. Next: add a “Forgot password?” link.
            """,
            "The org is kept in \(root). Open the dashboard on it:",
            "  lemming serve --org \(root)      # then open http://127.0.0.1:7777",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)\n\(result.stdout)")
        }
        #expect(lines.filter { $0.hasPrefix("  cost: coder 0.0") && $0.hasSuffix(" credits") }.count == 6)
        #expect(lines.contains { $0.hasPrefix("6 ticks, 24 turns, 0.0") && $0.contains(" credits in all (coder 0.0") })
        #expect(lines.count < 60, "the story should read in under a minute:\n\(result.stdout)")
        #expect(
            result.stdout.split(separator: "\n").allSatisfy { $0.count <= 110 || $0.contains(root) },
            "\(result.stdout)")

        // What the story tells is in the org.
        let page = String(decoding: try FileSystem.read(root + "/shared/login-page.html"), as: UTF8.self)
        #expect(page.contains(#"<input id="password" name="password" type="password""#))
        let reviews = try entries(of: "reviewer", in: root).filter { $0.tags.contains("review") }
        #expect(reviews.count == 1)
        #expect(reviews.first?.recipients == ["coder", "manager"])
        #expect(reviews.first?.text.hasSuffix("Acceptable. Suggestion: add a “Forgot password?” link.") == true)
        let plan = try JSONValue.parse(
            String(decoding: try FileSystem.read(root + "/agents/manager/memory/plan.json"), as: UTF8.self))
        #expect(plan["value"]?["status"] == "done, reviewed")
        #expect(plan["value"]?["file"] == "shared/login-page.html")
        let approvals = try entries(of: "human", in: root).filter { $0.kind == "approval" }
        #expect(approvals.map(\.replyTo) == ["00000002-coder-03"])
        let events = String(decoding: try FileSystem.read(root + "/logs/engine.jsonl"), as: UTF8.self)
            .split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let resolved = events.filter { $0["type"] == "approval_resolved" }
        #expect(resolved.map { $0["data"]?["decision"] } == ["approved"])
        #expect(events.contains { $0["type"] == "soft_cap_warning" && $0["agent"] == "coder" })

        // The kept org is a valid org.
        let validate = try Lemming.run(["validate", "--org", root])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    }

    @Test(.timeLimit(.minutes(2)))
    func theStoryIsTheSameEveryTime() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let first = try Lemming.run(["demo", "--keep", "one"], in: directory)
        let second = try Lemming.run(["demo", "--keep", "two"], in: directory)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(
            first.stdout.replacingOccurrences(of: directory + "/one", with: "DIR")
                == second.stdout.replacingOccurrences(of: directory + "/two", with: "DIR"))
    }

    @Test func demoWithoutKeepDeletesTheOrgAndSaysHowToKeepIt() throws {
        let result = try Lemming.run(["demo", "--ticks", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tick 1\n"))
        #expect(!result.stdout.contains("tick 2\n"))
        #expect(
            result.stdout.hasSuffix(
                """
                The org was temporary and is deleted. Keep it and open the dashboard on it:
                  lemming demo --keep demo-org
                  lemming serve --org demo-org      # then open http://127.0.0.1:7777

                """))
    }

    @Test func keepRefusesADirectoryThatIsNotEmpty() throws {
        let directory = try temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeAtomically(Array("notes\n".utf8), to: directory + "/notes.txt")
        let result = try Lemming.run(["demo", "--keep", directory])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "error: \(directory): is not empty: --keep needs a new or empty directory\n")
        #expect(try FileSystem.list(directory) == ["notes.txt"])

        let file = try Lemming.run(["demo", "--keep", directory + "/notes.txt"])
        #expect(file.status == 1)
        #expect(file.stderr.hasSuffix("notes.txt: is not a directory: --keep needs a new or empty directory\n"))
    }

    /// The lines of `output`, with each wrapped line joined back (continuation lines start with
    /// six spaces).
    static func unwrapped(_ output: String) -> [String] {
        var lines: [String] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("      "), let last = lines.popLast() {
                lines.append(last + " " + line.drop { $0 == " " })
            } else {
                lines.append(String(line))
            }
        }
        return lines
    }

    /// The outbox entries of `agent`, by id.
    private func entries(of agent: String, in root: String) throws -> [OutboxEntry] {
        let outbox = OrgPaths(root: root).outbox(agent)
        let store = FileOrgStore(paths: OrgPaths(root: root))
        return try (FileSystem.list(outbox) ?? []).sorted().compactMap { file in
            guard file.hasSuffix(".json"), let id = EntryID(file.dropLast(5)),
                case .success(let entry) = store.readEntry(id)
            else { return nil }
            return entry
        }
    }
}
