import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingSearch

@Suite(.timeLimit(.minutes(2))) struct SearchSyncTests {
    /// Everything the index can say about an org: every document, in a stable order.
    func everything(_ index: SearchIndex) throws -> [String] {
        var query = SearchQuery()
        query.limit = 1_000
        return try index.search(query).hits.map { "\($0.source.itemName) \($0.agent) \($0.ref) \($0.archived)" }
            .sorted()
    }

    @Test func followsAnEngineInProcessWithoutReadingTheLog() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        try await org.run(ticks: 3, sinks: [indexer])
        try FileSystem.remove(org.paths.engineLog)
        indexer.update(follow: false)
        #expect(try index.status().isBehind == false)
        #expect(try index.refs("drafted") == ["00000002-coder-01"])
        #expect(try index.status().counts.turns == 6)
    }

    @Test func catchesUpFromTheLogWhenOpenedBehind() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        #expect(try index.refs("drafted").isEmpty)
        index.close()
        try await org.run(ticks: 2)
        let behind = try index.status()
        #expect(behind.isBehind)
        guard case .events(let count) = try index.catchUp() else {
            Issue.record("expected to catch up from the log")
            return
        }
        #expect(count == behind.orgSequence - behind.sequence)
        #expect(try index.refs("drafted") == ["00000002-coder-01"])
        #expect(try index.catchUp() == .current)
    }

    @Test func reconcilesWithTheFilesWhenTheEventsAreGone() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 1)
        let index = try SearchIndex.open(org.paths)
        try await org.run(ticks: 2)
        try FileSystem.remove(org.paths.engineLog)
        try await org.run(ticks: 1)
        #expect(try index.catchUp() == .scanned)
        #expect(try index.refs("drafted") == ["00000002-coder-01"])
        #expect(try index.status().isBehind == false)
        let fresh = try org.copy()
        defer { fresh.remove() }
        try FileSystem.remove(fresh.paths.searchIndex)
        #expect(try everything(index) == everything(try SearchIndex.open(fresh.paths)))
    }

    @Test func deletingTheIndexLosesNothing() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let before = try everything(index)
        #expect(before.count == 4 + 1 + 6)
        index.close()
        try FileSystem.remove(org.paths.searchIndex)
        let rebuilt = try SearchIndex.open(org.paths)
        #expect(try everything(rebuilt) == before)
        #expect(try rebuilt.status().isBehind == false)
    }

    @Test(arguments: ["garbage", "truncated", "schema"])
    func aBrokenIndexIsRebuilt(_ damage: String) async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let before = try everything(index)
        index.close()
        let path = org.paths.searchIndex
        switch damage {
        case "garbage":
            try FileSystem.writeAtomically(Array(repeating: 0x5A, count: 10_000), to: path)
        case "truncated":
            let bytes = try FileSystem.read(path)
            try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count / 3)), to: path)
        default:
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = [path, "PRAGMA user_version = 999"]
            try process.run()
            process.waitUntilExit()
        }
        for suffix in ["-wal", "-shm"] { try? FileSystem.remove(path + suffix) }
        let reopened = try SearchIndex.open(org.paths)
        #expect(try everything(reopened) == before)
        #expect(try reopened.check() == nil)
    }

    @Test func archivedEntriesStayFindableAndAreMarked() async throws {
        let org = try makeOrg(planScript, config: ["outbox_retention_ticks": 1])
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        try await org.run(ticks: 4, sinks: [indexer])
        indexer.update()
        #expect(!FileSystem.exists(org.paths.entry(try #require(EntryID("00000001-manager-01")))))
        let hit = try #require(try index.hits("friday").first)
        #expect(hit.archived)
        #expect(try index.refs("friday") { $0.includesArchived = false } == [])
        #expect(try index.status().counts.archivedEntries == 3)
        // A rebuild finds them in the archive.
        try index.rebuild()
        #expect(try index.hits("friday").first?.archived == true)
    }

    @Test func anIndexAheadOfTheOrgIsRebuilt() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        // The org is reset by hand: history gone, counters back at the start.
        for agent in ["coder", "manager"] {
            try FileSystem.removeTree(org.paths.outbox(agent))
            try FileSystem.removeTree(org.paths.memory(agent))
            try FileSystem.removeTree(org.paths.agentLogs(agent))
        }
        for name in try FileSystem.list(org.paths.state) ?? [] where !name.hasPrefix("search.sqlite") {
            try FileSystem.removeTree(org.paths.state + "/" + name)
        }
        try FileSystem.removeTree(org.paths.logs)
        try await org.run(ticks: 1)
        #expect(try index.catchUp() == .rebuilt)
        #expect(try index.refs("drafted").isEmpty)
        #expect(try index.refs("friday") == ["00000001-manager-02"])
    }

    @Test func memoryUpdatesAndDeletionsReplaceWhatWasIndexed() async throws {
        let script = [
            ScriptLine("manager", tick: 1, reply(memory: ["plan": "alpha release"])),
            ScriptLine("manager", tick: 2, reply(memory: ["plan": "beta release"])),
            ScriptLine(
                "manager", tick: 3, ["memory_updates": [["op": "delete", "key": "plan"]]]),
        ]
        let org = try makeOrg(script)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        try await org.run(ticks: 2, sinks: [indexer])
        indexer.update()
        #expect(try index.refs("alpha").isEmpty)
        #expect(try index.hits("beta").map(\.tick) == [2])
        try await org.run(ticks: 1, sinks: [indexer])
        indexer.update()
        #expect(try index.refs("beta") { $0.sources = [.memory] }.isEmpty)
    }
}

@Suite struct TurnLineTests {
    @Test func thePromptAndTheRawReplyAreLeftOutBeforeParsing() throws {
        let line = Array(
            #"{"tick":3,"agent":"a","stop_reason":"completed","request":{"messages":[{"role":"user","content":"say \",\"parsed\": hi"}],"max_tokens":5},"inbox":["x"],"reply":{"text":"{\"parsed\":1}"},"parsed":{"notes":"n"}}"#
                .utf8)
        let cut = TurnLogLines.withoutPrompt(line[...])
        #expect(
            String(decoding: cut, as: UTF8.self)
                == #"{"tick":3,"agent":"a","stop_reason":"completed","parsed":{"notes":"n"}}"#)
        let other = Array(#"{"tick":1,"request":{"messages":[]}}"#.utf8)
        #expect(TurnLogLines.withoutPrompt(other[...]) == other)
    }
}
