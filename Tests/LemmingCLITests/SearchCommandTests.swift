import ArgumentParser
import Foundation
import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting
import Testing

@testable import LemmingCLI

/// `lemming search`: what the org said, did and remembered (issue 13).
@Suite(.timeLimit(.minutes(3)))
struct SearchCommandTests {
    @Test func findsEntriesMemoryAndTurnRecordsAfterARun() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let login = try org.lemmingJSON(["search", "login"])
        #expect(Set(login.strings("source")) == ["entry", "memory"])
        #expect(Set(login.strings("id")) == ["00000001-manager-01", "00000002-coder-01", "00000003-manager-01"])
        #expect(login.strings("key") == ["plan"])
        #expect(login["total"] == 4)
        for result in login.results {
            let snippet = result["snippet"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let matches = snippet.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element.lowercased() }
            #expect(matches == ["login"], "\(result)")
        }
        let turns = try org.lemmingJSON(["search", "sprint", "--in", "turns"])
        #expect(
            turns.results.map { [$0["source"], $0["agent"], $0["tick"], $0["kind"]] } == [
                ["turn", "manager", 1, "completed"]
            ])

        // As text: a block per result, the matches in brackets without colour, then the count.
        let text = try org.lemming(["search", "friday OR launch OR sprint"])
        #expect(text.status == 0, "\(text.stderr)")
        let blocks = lines(text.stdout)
        #expect(blocks.count == 7, "\(text.stdout)")
        for expected in [
            "tick 1  entry   manager → coder  [request, urgent] 00000001-manager-02",
            "    Budget review is due on [Friday]",
            "tick 1  memory  manager  key plan  [set]",
            "    plan ship the login page before the [launch]",
            "tick 1  turn    manager  [completed]",
        ] {
            #expect(blocks.contains(expected), "no line '\(expected)' in\n\(text.stdout)")
        }
        #expect(blocks.contains { $0.hasPrefix("    ") && $0.hasSuffix("split the work for the [sprint]") })
        #expect(blocks.last == "3 of 3")
    }

    @Test func everyFilterNarrowsTheResults() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        func search(_ arguments: [String]) throws -> JSONValue {
            try org.lemmingJSON(["search", "", "-n", "100"] + arguments)
        }
        func ids(_ arguments: [String]) throws -> Set<String> { Set(try search(arguments).strings("id")) }
        let all: Set<String> = [
            "00000001-manager-01", "00000001-manager-02", "00000002-coder-01", "00000003-manager-01",
        ]
        #expect(try ids([]) == all)
        #expect(try ids(["--agent", "coder"]) == ["00000002-coder-01"])
        #expect(try ids(["--agent", "coder", "--agent", "manager"]) == all)
        #expect(try ids(["--agent", "coder,human"]) == ["00000002-coder-01"])
        #expect(try ids(["--kind", "request"]) == ["00000001-manager-01", "00000001-manager-02"])
        #expect(try ids(["--kind", "report,message"]) == ["00000002-coder-01", "00000003-manager-01"])
        #expect(try ids(["--recipient", "human"]) == ["00000003-manager-01"])
        #expect(try ids(["--recipient", "coder"]) == ["00000001-manager-01", "00000001-manager-02"])
        #expect(try ids(["--thread", "00000002-coder-01"]) == ["00000002-coder-01"])
        #expect(try ids(["--tag", "planning"]) == ["00000001-manager-01", "00000001-manager-02"])
        #expect(try ids(["--tag", "spec,planning"]) == all.subtracting(["00000003-manager-01"]))
        #expect(try ids(["--priority", "urgent"]) == ["00000001-manager-01", "00000001-manager-02"])
        #expect(
            try ids(["--priority", "normal", "--priority", "low"]) == ["00000002-coder-01", "00000003-manager-01"])
        #expect(try ids(["--from-tick", "2", "--to-tick", "2", "--in", "entries"]) == ["00000002-coder-01"])
        #expect(try ids(["--from-tick", "3"]) == ["00000003-manager-01"])
        #expect(try ids(["--to-tick", "1"]) == ["00000001-manager-01", "00000001-manager-02"])

        // Sources: entries, memory, turns, and stop reasons as the turns' kind.
        #expect(Set(try search(["--in", "memory"]).strings("source")) == ["memory"])
        #expect(Set(try search(["--in", "memory,turns"]).strings("source")) == ["memory", "turn"])
        let completed = try search(["--in", "turns", "--kind", "completed"])
        #expect(!completed.results.isEmpty)
        #expect(Set(completed.strings("kind")) == ["completed"])
        let ticks = try search(["--from-tick", "2", "--to-tick", "2"]).results.compactMap { $0["tick"]?.intValue }
        #expect(!ticks.isEmpty && ticks.allSatisfy { $0 == 2 })

        // Order: best match first by default, newest first with --order time.
        let relevance = try org.lemmingJSON(["search", "login OR spec"])
        #expect(relevance["order"] == "relevance")
        let scores = relevance.results.compactMap { $0["score"]?.doubleValue }
        #expect(scores.count == relevance.results.count && scores == scores.sorted(by: >))
        let time = try org.lemmingJSON(["search", "login OR spec", "--order", "time"])
        #expect(time["order"] == "time")
        let newest = time.results.compactMap { $0["tick"]?.intValue }
        #expect(newest == newest.sorted(by: >) && newest.count == relevance.results.count)
        #expect(Set(time.strings("id")) == Set(relevance.strings("id")))
    }

    @Test func pagesFollowTheCursorToTheEnd() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let everything = try org.lemmingJSON(["search", "login OR spec OR friday", "-n", "100"])
        let total = try #require(everything["total"]?.intValue)
        #expect(total == everything.results.count && total >= 4)
        var seen: [JSONValue] = []
        var cursor: String?
        repeat {
            let page = try org.lemmingJSON(
                ["search", "login OR spec OR friday", "-n", "2"] + (cursor.map { ["--cursor", $0] } ?? []))
            #expect(page.results.count <= 2)
            // The total is counted on the first page only.
            #expect(page["total"] == (cursor == nil ? .int(total) : .null))
            seen += page.results
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil && seen.count <= total
        #expect(seen == everything.results)

        let text = try org.lemming(["search", "login OR spec OR friday", "-n", "2"])
        let first = try org.lemmingJSON(["search", "login OR spec OR friday", "-n", "2"])
        let next = try #require(first["next_cursor"]?.stringValue)
        #expect(lines(text.stdout).last == "2 of \(total); more: --cursor \(next)")
        let second = try org.lemming(["search", "login OR spec OR friday", "-n", "2", "--cursor", next])
        #expect(lines(second.stdout).last?.hasPrefix("2 results") == true, "\(second.stdout)")
        #expect(try org.lemming(["search", "zebra"]).stdout == "No results.\n")
    }

    @Test func jsonIsThePageAsTheAPIGivesIt() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let page = try org.lemmingJSON(["search", "login", "--in", "entries,memory", "-n", "2"])
        #expect(page.objectValue?.keys == ["query", "order", "total", "results", "next_cursor", "index"])
        #expect(page["query"] == "login")
        // Caught up to the last event, engine_stopped, of the next tick.
        #expect(page["index"] == ["tick": 3, "behind": false])
        #expect(page["next_cursor"]?.stringValue != nil)
        // Each result is the index's hit as JSON.
        var query = SearchQuery("login")
        query.sources = [.entries, .memory]
        query.limit = 2
        let index = try SearchIndex.open(org.paths)
        #expect(page.results == (try index.search(query)).hits.map(\.json))
        let entry = try #require(page.results.first { $0["source"] == "entry" })
        #expect(
            entry.objectValue?.keys == [
                "source", "id", "agent", "tick", "kind", "recipients", "thread", "reply_to", "priority", "tags",
                "archived", "time", "snippet", "score",
            ])
        // Without text: newest first, no score, a preview of the text.
        let listing = try org.lemmingJSON(["search", "", "--in", "memory"])
        #expect(listing["query"] == .null)
        #expect(listing["order"] == "time")
        #expect(listing.results.first?["score"] == .null)
        #expect(listing.results.first?["key"] == "plan")
        #expect(listing.results.first?["snippet"] == ["plan\nship the login page before the launch"])
    }

    @Test(arguments: ["login-page", "\"login", "login AND", "(spec"])
    func aBadQueryIsOneLineSayingHowToQuote(_ text: String) throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let result = try org.lemming(["search", text])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(lines(result.stderr).count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: not a valid search query ("), "\(result.stderr)")
        #expect(result.stderr.contains("words with punctuation go in double quotes, as in \"login-page\""))
        #expect(result.stderr.hasSuffix(" (see lemming search --help)\n"))
        // Quoted as it says, the words are found.
        if text == "login-page" {
            let quoted = try org.lemmingJSON(["search", "\"login-page\""])
            #expect(quoted["total"] == 3)
        }
    }

    @Test func aCursorOfAnotherSearchIsAUsageError() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let result = try org.lemming(["search", "login", "--cursor", "t3.4"])
        #expect(result.status == 64)
        #expect(
            result.stderr
                == "error: --cursor: is not a cursor of this search (a page's next_cursor) (see lemming search --help)\n"
        )
    }

    @Test func matchesAreBoldOnATerminalAndBracketedWithoutColour() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        var plain = Lemming.environment()
        plain["NO_COLOR"] = nil
        plain["TERM"] = "xterm-256color"
        let coloured = try Lemming.runOnTerminal(["search", "friday"], in: org.root, environment: plain)
        #expect(coloured.status == 0)
        #expect(coloured.output.contains("due on \u{1B}[1mFriday\u{1B}[0m"), "\(coloured.output)")
        #expect(!coloured.output.contains("[Friday]"))
        var noColor = plain
        noColor["NO_COLOR"] = "1"
        let quiet = try Lemming.runOnTerminal(["search", "friday"], in: org.root, environment: noColor)
        #expect(quiet.output.contains("due on [Friday]"))
        #expect(!quiet.output.contains("\u{1B}["))
    }

    // MARK: - Parsing

    @Test func optionsBecomeTheQuery() throws {
        let parsed = try LemmingCommand.parseAsRoot([
            "search", "login page", "--agent", "coder,manager", "--agent", "human", "--kind", "request, report",
            "--recipient", "human", "--thread", "00000001-human-01", "--tag", "a,b", "--tag", "c", "--priority",
            "urgent,low", "--from-tick", "2", "--to-tick", "9", "--in", "entries,memory", "--order", "time", "-n", "5",
            "--cursor", "t3.4",
        ])
        let query = try #require(parsed as? SearchCommand).searchQuery()
        var expected = SearchQuery("login page")
        expected.agents = ["coder", "manager", "human"]
        expected.kinds = ["request", "report"]
        expected.recipient = "human"
        expected.thread = "00000001-human-01"
        expected.tags = ["a", "b", "c"]
        expected.priorities = [.urgent, .low]
        expected.fromTick = 2
        expected.toTick = 9
        expected.sources = [.entries, .memory]
        expected.order = .time
        expected.limit = 5
        expected.cursor = "t3.4"
        #expect(query == expected)

        let defaults = try #require(try LemmingCommand.parseAsRoot(["search", "login"]) as? SearchCommand)
        var plain = SearchQuery("login")
        plain.limit = 20
        #expect(try defaults.searchQuery() == plain)
        #expect(
            try #require(try LemmingCommand.parseAsRoot(["search", "x", "--number", "7"]) as? SearchCommand).number == 7
        )
    }

    @Test(arguments: [
        (["search"], "Missing expected argument '<query>'"),
        (["search", "x", "--in", "entries,mail"], "--in must be entries, memory or turns, not 'mail'"),
        (["search", "x", "--priority", "high"], "--priority must be urgent, normal or low, not 'high'"),
        (["search", "x", "-n", "0"], "-n must be between 1 and 1000"),
        (["search", "x", "-n", "1001"], "-n must be between 1 and 1000"),
        (["search", "x", "--from-tick=-1"], "--from-tick must be zero or more"),
        (["search", "x", "--order", "best"], "The value 'best' is invalid for '--order <order>'"),
    ])
    func badOptionsAreUsageErrors(_ arguments: [String], _ message: String) {
        do {
            _ = try LemmingCommand.parseAsRoot(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            let outcome = LemmingMain.parseFailure(error, arguments: arguments)
            #expect(outcome.status == 64)
            #expect(outcome.standardError?.hasPrefix("error: \(message)") == true, "\(outcome)")
            #expect(outcome.standardError?.hasSuffix(" (see lemming search --help)\n") == true)
        }
    }
}

/// `lemming search --semantic`: memory by meaning, through the org's embedding model.
@Suite(.timeLimit(.minutes(3)))
struct SemanticSearchCommandTests {
    @Test func ranksMemoryByMeaningAndSaysWhatItCost() throws {
        let org = try HistoryOrg.make(config: ["search": ["embeddings": "sim"]])
        defer { org.remove() }
        let json = try org.lemmingJSON(["search", "--semantic", "launch the login page"])
        #expect(json.strings("key") == ["plan"])
        #expect(json["semantic"] == "hybrid")
        #expect(json["embedding"]?["model"] == "sim")
        #expect(json["embedding"]?["records_embedded"] == 1)
        // The vectors are kept: a second search embeds the query only.
        let again = try org.lemmingJSON(["search", "--semantic", "login"])
        #expect(again["embedding"]?["records_embedded"] == 0)
        let text = try org.lemming(["search", "--semantic", "login"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("1 memory record by meaning (hybrid, sim); embedded 0 records"))
    }

    @Test func needsEmbeddingsConfiguredAndMemoryInScope() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        let missing = try org.lemming(["search", "--semantic", "login"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("search.embeddings"))
        let entries = try org.lemming(["search", "--semantic", "--in", "entries", "login"])
        #expect(entries.status != 0)
        #expect(entries.stderr.contains("--in must include memory"))
        let unknown = try org.lemming(["validate"])
        #expect(unknown.status == 0)
        try org.write("lemming.json", ["format": 1, "name": "test", "search": ["embeddings": "nope"]])
        let invalid = try org.lemming(["validate"])
        #expect(invalid.status != 0)
        #expect((invalid.stdout + invalid.stderr).contains("search.embeddings"))
    }
}
