import GRDB
import LemmingCore
import LemmingJSON
import LemmingTesting
import LemmingTools
import Testing

@testable import LemmingSearch

/// An engine in process hands the indexer each commit with what it wrote
/// (``EventSink/committed(_:)``): the index takes it as handed over, not read back from the files.
@Suite(.timeLimit(.minutes(2))) struct CommitHandoverTests {
    @Test func aCommitIsIndexedAsHandedOverWithoutReadingItsFilesBack() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        try await org.run(ticks: 1, sinks: [indexer])
        indexer.update(follow: false)
        #expect(try index.status().counts.turns == 2)
        try await org.run(ticks: 2, sinks: [indexer])
        // Gone from the disk before the index looks: only what the commits handed over is left.
        let drafted = try #require(EntryID("00000002-coder-01"))
        try FileSystem.remove(org.paths.entry(drafted))
        for agent in ["coder", "manager"] { try FileSystem.remove(org.paths.turns(agent)) }
        indexer.update(follow: false)
        #expect(try index.status().isBehind == false)
        #expect(try index.refs("drafted") == ["00000002-coder-01"])
        #expect(try index.refs("reviewer") { $0.sources = [.turns] }.count == 1)
        #expect(try index.status().counts.turns == 6)
    }

    /// A turn handed over as values makes the document its line of `turns.jsonl` makes, whatever
    /// it holds: notes, tool calls and their results, violations, an error.
    @Test func aHandedOverTurnIsTheDocumentItsLineMakes() async throws {
        let script = [
            ScriptLine(
                "manager", tick: 2,
                reply(
                    ["Looking into the launch"], memory: ["plan": "launch friday"], notes: "checked \"the\" plan ✓",
                    tools: [
                        ["tool": "memory_search", "args": ["query": "launch", "limit": 2.5]],
                        ["tool": "file_read", "args": ["path": "../../etc/passwd"]],
                    ])),
            ScriptLine("manager", tick: 3, ["outbox_entries": [["kind": "message"]]]),
            ScriptLine("coder", tick: 3, .string("not json at all")),
        ]
        let org = try TemporaryOrg.make(
            agents: [
                TestAgent("coder", reads: ["manager"]),
                TestAgent("manager", extra: ["permissions": ["read_outboxes": ["human"], "tools": ["memory_search"]]]),
            ],
            replies: script)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let indexer = SearchIndexer(index: index)
        try await org.run(ticks: 1, sinks: [indexer])
        indexer.update(follow: false)
        try await org.run(ticks: 2, tools: BuiltinToolFactory(environment: TestSandbox.environment()), sinks: [indexer])
        indexer.update(follow: false)
        let live = try turnDocuments(index)
        #expect(live.count == 6)
        #expect(live.contains { $0.contains(#"memory_search {\"query\":\"launch\",\"limit\":2.5}"#) })
        #expect(live.contains { $0.contains("not_json") && $0.hasPrefix(#""coder" | "3:"#) })
        _ = try index.rebuild()
        #expect(try turnDocuments(index) == live)
    }

    /// Every turn document: its agent, ref, kind, tick, time and body.
    func turnDocuments(_ index: SearchIndex) throws -> [String] {
        try index.withDatabase { pool in
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT agent, ref, kind, tick, time, body FROM documents WHERE source = 2 ORDER BY agent, ref"
                ).map { row in (0..<6).map { "\(row[$0] as DatabaseValue)" }.joined(separator: " | ") }
            }
        }
    }

    /// While commits keep coming, the running indexer applies them at most once a refresh
    /// interval, in one batch; one that comes after a quiet spell is applied at once.
    @Test func commitsComingFasterThanTheRefreshIntervalAreAppliedTogether() async throws {
        let org = try makeOrg(planScript)
        defer { org.remove() }
        let index = try SearchIndex.open(org.paths)
        let clock = ManualClock()
        let indexer = SearchIndexer(index: index, follows: false, refreshInterval: .seconds(1), clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await indexer.run() }
            await clock.waitForSleepers(1)  // caught up, and resting
            let engine = try await org.engine(sinks: [indexer])
            _ = try await engine.runTick()
            try await engine.flush()
            #expect(try index.refs("friday").isEmpty)
            clock.advance(by: .seconds(1))
            await clock.waitForSleepers(1)
            #expect(try index.refs("friday") == ["00000001-manager-02"])
            clock.advance(by: .seconds(1))
            // After a quiet spell: at once, without the clock moving.
            _ = try await engine.runTick()
            try await engine.flush()
            await clock.waitForSleepers(1)
            #expect(try index.refs("drafted") == ["00000002-coder-01"])
            await engine.close()
            group.cancelAll()
            await #expect(throws: CancellationError.self) { try await group.next() }
        }
    }

    static func event(_ sequence: Int, _ kind: EngineEvent.Kind = .tickFinished) -> EngineEvent {
        EngineEvent(sequence: sequence, time: "", tick: 1, kind: kind, agent: nil)
    }

    static let lines = CommittedChanges.TurnLines(
        agent: "coder", offset: 0, bytes: Array(#"{"tick":1,"stop_reason":"completed"}"#.utf8) + [0x0A])

    @Test func eventsAlreadyAppliedOrTakenAreSkipped() throws {
        let paths = OrgPaths(root: "/nonexistent")
        let commit = CommittedChanges(tick: 1, events: [Self.event(5), Self.event(6)], turnLines: [Self.lines])
        // An event hub passed on event 5 before the commit that holds it arrived.
        let overlapping = try #require(
            SearchIndex.Changes([.event(Self.event(5)), .commit(commit)], after: 4, paths: paths))
        #expect(overlapping.lastSequence == 6)
        #expect(overlapping.eventCount == 2)
        #expect(overlapping.changes.count == 1)
        // Applied already: nothing to do.
        let applied = try #require(SearchIndex.Changes([.commit(commit)], after: 6, paths: paths))
        #expect(applied.eventCount == 0)
        #expect(applied.changes.isEmpty)
    }

    @Test func aMissingEventIsAGap() {
        let paths = OrgPaths(root: "/nonexistent")
        let commit = CommittedChanges(tick: 1, events: [Self.event(7)], turnLines: [Self.lines])
        #expect(SearchIndex.Changes([.commit(commit)], after: 5, paths: paths) == nil)
        #expect(SearchIndex.Changes([.event(Self.event(6)), .event(Self.event(8))], after: 5, paths: paths) == nil)
    }
}
