import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingSearch

#if canImport(Glibc)
import Glibc
#endif

/// The listings of `lemming inbox` and `inspect`, following, and checking the file as it is.
@Suite(.timeLimit(.minutes(2))) struct EntryListingTests {
    /// The entry ids in the outbox folders, oldest first.
    func folderIDs(_ org: TemporaryOrg, where matching: (OutboxEntry) -> Bool = { _ in true }) throws -> [String] {
        try ["coder", "human", "manager"].flatMap { try org.entries(of: $0) }.filter(matching).map(\.id).sorted()
            .map(\.text)
    }

    @Test func latestEntriesAreTheNewestIDsAsTheFoldersHaveThem() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        let index = try SearchIndex.open(org.paths)
        let all = try folderIDs(org)
        #expect(all.count == 4)
        for limit in 0...all.count + 1 {
            #expect(try index.latestEntries(SearchQuery(), limit: limit).map(\.ref) == Array(all.suffix(limit)))
        }
        var toCoder = SearchQuery()
        toCoder.recipient = "coder"
        #expect(
            try index.latestEntries(toCoder, limit: 10).map(\.ref)
                == (try folderIDs(org) { $0.recipients?.contains("coder") ?? false }))
        var byManager = SearchQuery("ignored text")
        byManager.agents = ["manager"]
        byManager.sources = [.memory]
        #expect(
            try index.latestEntries(byManager, limit: 2).map(\.ref) == ["00000001-manager-02", "00000003-manager-01"])
        #expect(try index.entries(byManager, fromTick: 2).map(\.ref) == ["00000003-manager-01"])
    }

    @Test func oneTicksEntriesIndexedOutOfOrderStillListInIDOrder() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        // 00000001-manager-01 is indexed after 00000001-manager-02: newer by "time".
        let first = try #require(EntryID("00000001-manager-01"))
        let aside = org.root + "/aside.json"
        _ = try FileSystem.move(org.paths.entry(first), to: aside)
        let index = try SearchIndex.open(org.paths)
        _ = try FileSystem.move(aside, to: org.paths.entry(first))
        try index.scan()
        var tickOne = SearchQuery()
        tickOne.toTick = 1
        var newest = tickOne
        newest.sources = [.entries]
        newest.limit = 1
        #expect(try index.search(newest).hits.map(\.ref) == [first.text])
        #expect(try index.latestEntries(tickOne, limit: 1).map(\.ref) == ["00000001-manager-02"])
        #expect(try index.latestEntries(tickOne, limit: 2).map(\.ref) == [first.text, "00000001-manager-02"])
    }

    @Test func listingsIncludeTheArchive() async throws {
        let org = try makeOrg(planScript, config: ["outbox_retention_ticks": 1])
        defer { org.remove() }
        try await org.run(ticks: 4)
        let index = try SearchIndex.open(org.paths)
        let hits = try index.latestEntries(SearchQuery(), limit: 10)
        #expect(
            hits.map(\.ref) == [
                "00000001-manager-01", "00000001-manager-02", "00000002-coder-01", "00000003-manager-01",
            ])
        #expect(hits.map(\.archived) == [true, true, true, false])
        var live = SearchQuery()
        live.includesArchived = false
        #expect(try index.latestEntries(live, limit: 10).map(\.ref) == ["00000003-manager-01"])
    }

    @Test func seenEntriesKeepOnlyTheNewestTick() throws {
        var seen = SeenEntries()
        let ids = ["00000003-coder-01", "00000003-manager-01", "00000002-coder-01"].compactMap { EntryID($0) }
        #expect(ids.allSatisfy(seen.isNew))
        seen.insert(contentsOf: ids)
        #expect(seen.tick == 3)
        #expect(!ids.contains(where: seen.isNew))
        // Below the newest tick everything counts as seen; at it, only what was inserted.
        #expect(!seen.isNew(try #require(EntryID("00000002-human-01"))))
        #expect(seen.isNew(try #require(EntryID("00000003-human-01"))))
        #expect(seen.isNew(try #require(EntryID("00000004-coder-01"))))
        seen.insert(contentsOf: [try #require(EntryID("00000004-coder-01"))])
        #expect(seen.tick == 4)
        #expect(!seen.isNew(try #require(EntryID("00000003-human-01"))))
        seen.insert(contentsOf: [])
        #expect(seen.tick == 4)
        seen.reset()
        #expect(seen == SeenEntries())
        #expect(seen.isNew(try #require(EntryID("00000001-coder-01"))))
    }

    @Test func checkingTheFileRepairsNothing() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        try await org.run(ticks: 3)
        #expect(SearchIndex.checkFile(org.paths) == .missing)
        let index = try SearchIndex.open(org.paths)
        #expect(SearchIndex.checkFile(org.paths) == .sound)
        index.close()
        let path = org.paths.searchIndex
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, "PRAGMA user_version = 999"]
        try process.run()
        process.waitUntilExit()
        #expect(SearchIndex.checkFile(org.paths) == .otherSchema(999))
        let garbage = [UInt8](repeating: 0x5A, count: 10_000)
        try FileSystem.writeAtomically(garbage, to: path)
        for suffix in ["-wal", "-shm"] { try? FileSystem.remove(path + suffix) }
        guard case .damaged(let problem) = SearchIndex.checkFile(org.paths) else {
            Issue.record("garbage passed the check")
            return
        }
        #expect(problem == "file is not a database")
        #expect(try FileSystem.read(path) == garbage)
    }

    @Test func abandonedRebuildsAreRemovedAndLiveOnesKept() throws {
        let org = try makeOrg([])
        defer { org.remove() }
        try FileSystem.makeDirectory(org.paths.state)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        let names = [
            "search.sqlite.rebuild-\(dead)", "search.sqlite.rebuild-\(dead)-journal",
            "search.sqlite.rebuild-\(getpid())",
            "search.sqlite.rebuild-1", "search.sqlite",
        ]
        for name in names { try FileSystem.writeAtomically([1], to: org.paths.state + "/" + name) }
        #expect(
            SearchIndex.removeAbandonedRebuilds(org.paths)
                == ["search.sqlite.rebuild-\(dead)", "search.sqlite.rebuild-\(dead)-journal"])
        #expect(Set(try FileSystem.list(org.paths.state) ?? []) == Set(names.dropFirst(2)))
    }
}
