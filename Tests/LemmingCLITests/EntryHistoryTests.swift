import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

/// `inbox`, `inbox --follow` and `inspect` served by the search index: archived entries included,
/// and the outbox folders when the index cannot be used (issue 13).
@Suite(.timeLimit(.minutes(3)))
struct EntryHistoryTests {
    static let header = "tick 1  manager → human  [response, re 00000001-human-01"

    /// An org where the human asked the manager and four ticks ran; with `retention`, the entries of
    /// tick 1 are in the archive.
    static func conversation(retention: Bool) throws -> InitOrg {
        let org = try InitOrg.make(settings: retention ? ["outbox_retention_ticks": 1] : [:])
        do {
            guard try org.lemming(["send", "manager", "Please build a login page"]).status == 0,
                try org.lemming(["run", "--ticks", "4"]).status == 0
            else { throw OperatorTestFailure("the conversation did not run") }
        } catch {
            org.remove()
            throw error
        }
        return org
    }

    /// Every entry id of `agents` (all when `nil`), live and archived, oldest first.
    static func ids(in org: InitOrg, of agents: [String]? = nil) throws -> [String] {
        var ids: [EntryID] = []
        for agent in try agents ?? org.list("agents") {
            for folder in ["agents/\(agent)/outbox", "archive/outbox/\(agent)"] {
                ids += try org.list(folder).compactMap { EntryID(fileName: $0, author: agent) }
            }
        }
        return ids.sorted().map(\.text)
    }

    @Test func inboxAndInspectShowArchivedEntries() throws {
        let org = try Self.conversation(retention: true)
        defer { org.remove() }
        let archived = "archive/outbox/manager/00000001-manager-01.json"
        #expect(org.exists(archived))
        let inbox = try org.lemming(["inbox"])
        #expect(inbox.status == 0)
        #expect(inbox.stderr.isEmpty, "\(inbox.stderr)")
        #expect(
            inbox.stdout
                == "\(Self.header), archived] 00000001-manager-01\n    \(HumanCommandTests.answer)\n")
        // JSON: the entry as on disk, where it is now.
        #expect(try org.lemmingJSONArray(["inbox", "--json"]) == [try org.json(archived)])

        // --all: live and archived, oldest first; -n keeps the newest.
        let everything = try Self.ids(in: org)
        #expect(everything.count > 5 && everything.first == "00000001-human-01")
        let all = try org.lemmingJSONArray(["inbox", "--all", "--json", "-n", "1000"])
        #expect(all.compactMap { $0["id"]?.stringValue } == everything)
        let newest = try org.lemmingJSONArray(["inbox", "--all", "--json", "-n", "5"])
        #expect(newest.compactMap { $0["id"]?.stringValue } == Array(everything.suffix(5)))

        let human = try org.lemming(["inspect", "human"])
        #expect(human.status == 0)
        let text = lines(human.stdout)
        #expect(text.contains("  tick 1  human → manager  [message, archived] 00000001-human-01"), "\(human.stdout)")
        #expect(text.contains("  \(Self.header), archived] 00000001-manager-01"))
        let json = try JSONValue.parse(try org.lemming(["inspect", "human", "--json"]).stdout)
        #expect(json["entries"] == [try org.json("archive/outbox/human/00000001-human-01.json")])
        #expect(json["addressed_to_human"] == [try org.json(archived)])

        let manager = try JSONValue.parse(try org.lemming(["inspect", "manager", "--json", "-n", "1000"]).stdout)
        #expect(
            manager["entries"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                == (try Self.ids(in: org, of: ["manager"])))
        let recent = try JSONValue.parse(try org.lemming(["inspect", "manager", "--json", "-n", "2"]).stdout)
        #expect(
            recent["entries"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                == Array(try Self.ids(in: org, of: ["manager"]).suffix(2)))
    }

    @Test func withoutAUsableIndexTheFoldersAreListedWithAWarning() throws {
        let org = try Self.conversation(retention: false)
        defer { org.remove() }
        let indexed = try org.lemming(["inbox", "--all", "-n", "1000"])
        let human = try org.lemming(["inspect", "human", "--json"])
        // A folder where the file should be: SQLite cannot open it, and a rebuild cannot replace it.
        for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(org.paths.searchIndex + suffix) }
        try FileSystem.makeDirectory(org.paths.searchIndex)
        for (arguments, expected) in [
            (["inbox", "--all", "-n", "1000"], indexed.stdout), (["inspect", "human", "--json"], human.stdout),
        ] {
            let result = try org.lemming(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout == expected, "\(arguments)")
            #expect(lines(result.stderr).count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("warning: the search index cannot be used (state/search.sqlite: "))
            #expect(result.stderr.hasSuffix("); listing the outbox folders instead, without the archive\n"))
        }
        #expect(try org.lemming(["inbox"]).stdout.hasPrefix(Self.header + "] 00000001-manager-01\n"))
        // Search has nothing to fall back on: one line, exit 1.
        let search = try org.lemming(["search", "login"])
        #expect(search.status == 1)
        #expect(search.stderr.hasPrefix("error: state/search.sqlite: "), "\(search.stderr)")
        #expect(lines(search.stderr).count == 1)
    }

    @Test(arguments: [true, false])
    func followPrintsWhatIsCommittedAfterItStarted(usableIndex: Bool) async throws {
        let org = try Self.conversation(retention: true)
        defer { org.remove() }
        if !usableIndex {
            for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(org.paths.searchIndex + suffix) }
            try FileSystem.makeDirectory(org.paths.searchIndex)
        }
        let before = try Self.ids(in: org)
        let newest = try #require(before.last)
        let follower = try Background(["inbox", "--follow", "--all", "-n", "1"], in: org.root)
        defer { follower.stop() }
        #expect(await follower.waitForOutput(newest), "\(follower.stdout)\(follower.stderr)")
        #expect(try org.lemming(["send", "manager", "Is the zeppelin ready?"]).status == 0)
        #expect(await follower.waitForOutput("Is the zeppelin ready?"), "\(follower.stdout)")
        #expect(try org.lemming(["step"]).status == 0)
        let answer = "A login page: in progress, in shared/login-page.html."
        #expect(await follower.waitForOutput(answer), "\(follower.stdout)")
        #expect(follower.process.isRunning)
        follower.stop()
        let shown = lines(follower.stdout).filter { $0.hasPrefix("tick ") }.compactMap { $0.split(separator: " ").last }
            .map(String.init)
        // Each new entry once; of the older ones only the newest, listed at the start.
        let fresh = try Self.ids(in: org).filter { !before.contains($0) }
        #expect(fresh.count > 2)
        #expect(shown.first == newest)
        #expect(shown.count == fresh.count + 1 && Set(shown.dropFirst()) == Set(fresh), "\(follower.stdout)")
        #expect(follower.stderr.isEmpty == usableIndex, "\(follower.stderr)")
    }
}

extension InitOrg {
    /// Runs a command that prints a JSON array and returns its items.
    func lemmingJSONArray(_ arguments: [String]) throws -> [JSONValue] {
        let result = try lemming(arguments)
        guard result.status == 0, let items = try JSONValue.parse(result.stdout).arrayValue else {
            throw OperatorTestFailure("lemming \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return items
    }
}
