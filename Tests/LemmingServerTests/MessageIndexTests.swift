import Foundation
import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@testable import LemmingServer

/// The message index: listing, the engine's announcements, and when a folder is listed again.
@Suite(.timeLimit(.minutes(1))) struct MessageIndexTests {
    /// Announces every engine event to an index, as the hub does.
    struct Announcer: EventSink {
        let index: MessageIndex
        func receive(_ event: EngineEvent) { index.announce(event) }
    }

    /// Both agents post a message every tick.
    static func talkingOrg() throws -> TemporaryOrg {
        try chatOrg(replies: [.message("manager", "the plan"), .message("worker", "done")])
    }

    static func event(_ kind: EngineEvent.Kind, agent: String? = nil, _ data: JSONObject) -> EngineEvent {
        EngineEvent(sequence: 1, time: "2026-01-01T00:00:00Z", tick: 1, kind: kind, agent: agent, data: data)
    }

    static func newestFirst(_ index: MessageIndex) throws -> [String] {
        try index.page(MessageIndex.Filter(), before: nil, limit: 1_000).entries.map(\.id.text)
    }

    static func onDisk(_ org: TemporaryOrg) throws -> [String] {
        let paths = OrgPaths(root: org.root)
        let authors = (try FileSystem.list(paths.agents) ?? []).filter(Names.isValidAgentName)
        return try authors.flatMap { try OrgView.entryIDs(of: $0, paths: paths) }.sorted().reversed().map(\.text)
    }

    /// Copies an entry file to tick `tick` of the same author, as someone editing the org by hand
    /// would (no event).
    ///
    /// - Returns: the new id.
    @discardableResult
    static func copyInByHand(_ org: TemporaryOrg, _ id: String, toTick tick: Int) throws -> String {
        let source = try #require(EntryID(id))
        let copy = EntryID(tick: tick, agent: source.agent, sequence: 1).text
        var entry = try #require(try org.readJSON("agents/\(source.agent)/outbox/\(id).json")?.objectValue)
        entry["id"] = .string(copy)
        entry["tick"] = .int(tick)
        try org.write("agents/\(source.agent)/outbox/\(copy).json", .object(entry))
        return copy
    }

    @Test func announcedEntriesAppearWithoutListingTheFoldersAgain() async throws {
        let org = try Self.talkingOrg()
        defer { org.remove() }
        _ = try await org.run(ticks: 2)
        let index = MessageIndex(paths: OrgPaths(root: org.root))
        index.isFollowed = true
        #expect(try Self.newestFirst(index) == Self.onDisk(org))
        // Two more ticks, announced: every folder changed, the new entries are there.
        _ = try await org.run(ticks: 2, sinks: [Announcer(index: index)])
        let expected = try Self.onDisk(org)
        #expect(expected.contains { $0.hasPrefix("00000004-") })
        #expect(try Self.newestFirst(index) == expected)
        // A file nobody announced is not seen until the folder is listed again…
        let copy = try Self.copyInByHand(org, try #require(expected.last), toTick: 9)
        #expect(try !Self.newestFirst(index).contains(copy))
        // …which happens as soon as no hub follows the log.
        index.isFollowed = false
        #expect(try Self.newestFirst(index).first == copy)
    }

    @Test func foldersAreListedAgainAfterTheIntervalOrAnArchive() async throws {
        let org = try Self.talkingOrg()
        defer { org.remove() }
        _ = try await org.run(ticks: 1)
        let paths = OrgPaths(root: org.root)
        let eager = MessageIndex(paths: paths, relistInterval: .zero)
        eager.isFollowed = true
        let patient = MessageIndex(paths: paths)
        patient.isFollowed = true
        let first = try Self.newestFirst(eager)
        #expect(try Self.newestFirst(patient) == first)
        let copy = try Self.copyInByHand(org, try #require(first.last), toTick: 7)
        #expect(try Self.newestFirst(eager).first == copy)
        #expect(try Self.newestFirst(patient).first != copy)
        patient.announce(Self.event(.entriesArchived, ["count": 0, "before_tick": 1]))
        #expect(try Self.newestFirst(patient).first == copy)
    }

    @Test func anAnnouncedEntryWhoseFileIsNotWrittenYetIsSkippedUntilItIs() async throws {
        let org = try Self.talkingOrg()
        defer { org.remove() }
        _ = try await org.run(ticks: 1)
        let index = MessageIndex(paths: OrgPaths(root: org.root))
        index.isFollowed = true
        let listed = try Self.newestFirst(index)
        let author = try #require(listed.last.flatMap(EntryID.init)).agent
        index.announce(Self.event(.entryWritten, agent: author, ["id": .string("00000005-\(author)-01")]))
        #expect(try Self.newestFirst(index) == listed)
        try Self.copyInByHand(org, try #require(listed.last), toTick: 5)
        #expect(try Self.newestFirst(index).first == "00000005-\(author)-01")
        // Announcements that do not name an entry of their author change nothing.
        index.announce(Self.event(.entryWritten, agent: "worker", ["id": "x"]))
        index.announce(Self.event(.entryWritten, agent: "worker", ["id": "00000006-manager-01"]))
        #expect(try Self.newestFirst(index).count == listed.count + 1)
    }

    @Test func aListingKeepsAnnouncedIDsOfItsNewestTickAndLater() throws {
        func ids(_ texts: [String]) -> [EntryID] { texts.compactMap(EntryID.init) }
        let listed = ids(["00000001-a-01", "00000002-a-02"])
        let announced = EntryIDList(
            author: "a",
            sorted: ids(["00000001-a-01", "00000001-a-05", "00000002-a-01", "00000002-a-02", "00000003-a-01"]))
        // Tick 1's missing announcement is gone (listed after its tick ended); tick 2 and later stay.
        #expect(
            MessageIndex.merge(listed: listed, announced: announced).map(\.text) == [
                "00000001-a-01", "00000002-a-01", "00000002-a-02", "00000003-a-01",
            ])
        #expect(Array(MessageIndex.merge(listed: [], announced: announced)) == Array(announced))
        #expect(Array(MessageIndex.merge(listed: listed, announced: EntryIDList(author: "a"))) == listed)
    }
}
