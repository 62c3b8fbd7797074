import Foundation
import LemmingCore
import LemmingJSON
import LemmingSearch
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lemming index status` and `lemming index rebuild` (issue 13).
@Suite(.timeLimit(.minutes(5)))
struct IndexCommandTests {
    /// Archived entries written for the rebuild that is killed.
    static let archived = 6_000
    static let documents: JSONValue = ["entries": 4, "archived_entries": 0, "memory": 1, "turns": 6]

    @Test func statusShowsTheFileItsPositionAndItsDocuments() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        // A search catches the index up (`run` leaves its last event, engine_stopped, to the next reader).
        #expect(try org.lemming(["search", "login"]).status == 0)
        let text = try org.lemming(["index", "status"])
        #expect(text.status == 0, "\(text.stderr)")
        let sequence = try #require(try org.readJSON("state/tick.json")?["next_event_seq"]?.intValue) - 1
        let output = lines(text.stdout)
        #expect(output.count == 3, "\(text.stdout)")
        #expect(output.first?.hasPrefix("index     state/search.sqlite (") == true)
        #expect(output.first?.hasSuffix(" KiB, schema 5)") == true)
        // engine_stopped is of the next tick.
        #expect(output.dropFirst().first == "position  event \(sequence) (tick 3), up to date with the org")
        #expect(output.last == "documents 4 entries (0 archived), 1 memory record, 6 turn records")
        // `lemming index` alone is the status.
        #expect(lines(try org.lemming(["index"]).stdout).dropFirst() == output.dropFirst())

        let json = try org.lemmingJSON(["index", "status"])
        #expect(
            json.objectValue?.keys == [
                "path", "bytes", "schema_version", "seq", "tick", "org_seq", "org_tick", "behind", "documents",
            ])
        #expect(json["path"] == "state/search.sqlite")
        #expect(json["schema_version"] == 5)
        #expect(json["seq"] == .int(sequence))
        #expect(json["org_seq"] == .int(sequence))
        #expect(json["behind"] == false)
        #expect(json["documents"] == Self.documents)
        let size = try #require(json["bytes"]?.intValue)
        #expect(size >= FileSystem.info(org.paths.searchIndex)?.size ?? .max)
    }

    @Test func statusSaysHowFarBehindTheIndexIsWithoutCatchingUp() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["index", "rebuild"]).status == 0)
        let old = try FileSystem.read(org.paths.searchIndex)
        #expect(try org.lemming(["run", "--ticks", "1"]).status == 0)
        // The index as it was before that tick, whatever `run` did to it.
        try FileSystem.writeAtomically(old, to: org.paths.searchIndex)
        for suffix in ["-wal", "-shm"] { try? FileSystem.remove(org.paths.searchIndex + suffix) }
        let sequence = try #require(try org.readJSON("state/tick.json")?["next_event_seq"]?.intValue) - 1
        let json = try org.lemmingJSON(["index", "status"])
        let indexed = try #require(json["seq"]?.intValue)
        #expect(indexed < sequence)
        #expect(json["org_seq"] == .int(sequence))
        #expect(json["org_tick"] == 4)
        #expect(json["behind"] == true)
        let text = lines(try org.lemming(["index", "status"]).stdout)
        #expect(
            text.dropFirst().first
                == "position  event \(indexed) (tick 3); the org is at event \(sequence) (tick 4): "
                + "\(sequence - indexed) behind")
        // A search catches it up.
        #expect(try org.lemming(["search", "login"]).status == 0)
        #expect(try org.lemmingJSON(["index", "status"])["behind"] == false)
    }

    @Test func rebuildSaysWhatItIndexedAndHowLongItTook() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        for missing in [false, true] {
            if missing { try FileSystem.remove(org.paths.searchIndex) }
            let result = try org.lemming(["index", "rebuild"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty)
            let text = result.stdout
            #expect(text.hasPrefix("rebuilt state/search.sqlite in "), "\(text)")
            #expect(text.hasSuffix(" KiB): 4 entries (0 archived), 1 memory record, 6 turn records\n"), "\(text)")
            let seconds = text.split(separator: " ").dropFirst(3).first.flatMap { Double($0) }
            #expect(seconds.map { $0 >= 0 && $0 < 60 } == true, "\(text)")
        }
        let json = try org.lemmingJSON(["index", "rebuild"])
        #expect(json.objectValue?.keys == ["path", "seconds", "bytes", "documents"])
        #expect(json["documents"] == Self.documents)
        #expect((json["bytes"]?.intValue ?? 0) > 0)
    }

    @Test func checkPassesASoundFile() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["index", "rebuild"]).status == 0)
        let text = try org.lemming(["index", "status", "--check"])
        #expect(text.status == 0)
        #expect(lines(text.stdout).last == "check     ok")
        let json = try org.lemmingJSON(["index", "status", "--check"])
        #expect(json["check"] == "ok")
        #expect(json["documents"] == Self.documents)
    }

    @Test(arguments: ["garbage", "truncated", "pages"])
    func checkReportsADamagedFileAndExitsOne(_ damage: String) throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        #expect(try org.lemming(["index", "rebuild"]).status == 0)
        let path = org.paths.searchIndex
        var bytes = try FileSystem.read(path)
        switch damage {
        case "garbage": bytes = Array(repeating: 0x5A, count: 10_000)
        case "truncated": bytes = Array(bytes.prefix(bytes.count / 3))
        default:
            // Every page after the first (the header and the schema) overwritten.
            for offset in stride(from: 4096, to: bytes.count, by: 4096) {
                bytes.replaceSubrange(offset..<min(offset + 64, bytes.count), with: repeatElement(0xA5, count: 64))
            }
        }
        try FileSystem.writeAtomically(bytes, to: path)
        let result = try org.lemming(["index", "status", "--check"])
        #expect(result.status == 1, "\(result.stdout)")
        let output = lines(result.stdout)
        #expect(output.first?.hasPrefix("state/search.sqlite is damaged: ") == true, "\(result.stdout)")
        #expect(output.last == "The next command that uses it rebuilds it; `lemming index rebuild` does it now.")
        let json = try org.lemming(["index", "status", "--check", "--json"])
        #expect(json.status == 1)
        let report = try JSONValue.parse(json.stdout)
        #expect(report.objectValue?.keys == ["path", "check"])
        #expect(report["check"]?.stringValue?.isEmpty == false)
        // Checking repairs nothing; the next use rebuilds it, with a warning.
        #expect(try FileSystem.read(path) == bytes)
        let found = try org.lemming(["search", "friday", "--json"])
        #expect(found.status == 0)
        #expect(try JSONValue.parse(found.stdout)["total"] == 1)
        #expect(found.stderr.contains("rebuilding it"), "\(found.stderr)")
        #expect(try org.lemming(["index", "status", "--check"]).status == 0)
    }

    /// Synchronous on purpose: the wait for the rebuild to be midway polls every millisecond on
    /// this thread, never waiting for a turn on the cooperative pool (busy with other tests).
    @Test func killingARebuildMidwayLeavesAnIndexThatOpensAndCatchesUp() throws {
        let org = try HistoryOrg.make()
        defer { org.remove() }
        // Enough archived entries for a rebuild to take a while (the engine never reads the archive).
        let archive = org.paths.archivedOutbox("coder")
        try FileSystem.makeDirectory(archive)
        let filler = (0..<60).map { "word\($0 % 37)" }.joined(separator: " ")
        for number in 0..<Self.archived {
            let id = EntryID(tick: 1, agent: "coder", sequence: 100 + number)
            let entry = OutboxEntry(
                id: id, kind: "report", payload: ["text": .string("Archived report \(number). \(filler)")],
                createdAt: "2026-01-01T00:00:00.000Z")
            try FileSystem.writeAtomically(JSONWriter().bytes(entry.json), to: org.paths.archivedEntry(id))
        }
        #expect(try org.lemming(["index", "rebuild"]).status == 0)
        // Committed after that build: the index must catch up on them.
        #expect(try org.lemming(["send", "manager", "The zeppelin lands at noon"]).status == 0)
        #expect(try org.lemming(["run", "--ticks", "2"]).status == 0)

        let rebuild = try Background(["index", "rebuild"], in: org.root)
        let temporary = org.paths.searchIndex + ".rebuild-\(rebuild.process.processIdentifier)"
        // Past the schema: documents are being written.
        let deadline = Date().addingTimeInterval(60)
        while (FileSystem.info(temporary)?.size ?? 0) < 1024 * 1024, rebuild.process.isRunning, Date() < deadline {
            usleep(1_000)
        }
        let midway = rebuild.process.isRunning
        rebuild.stop(signal: SIGKILL)
        #expect(midway)
        #expect(rebuild.process.terminationReason == .uncaughtSignal, "the rebuild finished before it was killed")
        #expect(FileSystem.exists(temporary))

        let index = try SearchIndex.open(org.paths)
        #expect(try index.check() == nil)
        #expect(try index.status().isBehind == false)
        #expect(try index.search(SearchQuery("zeppelin")).hits.contains { $0.agent == "human" })
        #expect(try index.status().counts.archivedEntries == Self.archived)
        index.close()
        #expect(try org.lemmingJSON(["search", "zeppelin", "--agent", "human"])["total"] == 1)
        // The next rebuild removes what the killed one left.
        #expect(try org.lemming(["index", "rebuild"]).status == 0)
        #expect(!FileSystem.exists(temporary))
    }
}
