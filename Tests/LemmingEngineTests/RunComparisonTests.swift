import LemmingCore
import LemmingJSON
import LemmingOrgView
import LemmingTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct RunComparisonTests {
    /// `a` tells `b` something at tick 1 and writes a text of three lines at tick 2.
    static func script(secondLine: String) -> [ScriptLine] {
        [
            .message("a", tick: 1, "hello", to: ["b"]),
            .message("a", tick: 2, "line one\n\(secondLine)\nline three"),
        ]
    }

    static func org() throws -> TemporaryOrg {
        try TemporaryOrg.make(
            agents: [TestAgent("a"), TestAgent("b", reads: ["a"])], replies: script(secondLine: "line two"))
    }

    static func compare(_ a: TemporaryOrg, _ b: TemporaryOrg) throws -> RunComparison {
        try RunComparison(a: RunHistory.read(root: a.root), b: RunHistory.read(root: b.root))
    }

    @Test func twoRunsOfTheSameOrgAreTheSame() async throws {
        let a = try Self.org()
        defer { a.remove() }
        let b = try a.copy()
        defer { b.remove() }
        try await run(a, ticks: 3)
        try await run(b, ticks: 3)
        let comparison = try Self.compare(a, b)
        #expect(!comparison.isDifferent)
        #expect(comparison.firstDifference == nil)
        #expect(comparison.rows.map(\.agent) == ["a", "b"])
        #expect(comparison.rows.allSatisfy { $0.differences.isEmpty && $0.a == $0.b })
        #expect(comparison.rows[0].a?.turns == 3)
        #expect(comparison.entryCounts.a == 2 && comparison.entryCounts.b == 2)
        let json = comparison.json(rootA: a.root, rootB: b.root)
        #expect(json["different"] == false)
        #expect(json["a"]?["entries"] == 2 && json["b"]?["problems"] == [])
        #expect(json["first_difference"] == .null)
        #expect(json["agents"]?.arrayValue?.first?["a"]?["stop_reasons"] == ["completed": 3])
        #expect(json["agents"]?.arrayValue?.first?["a"]?["balance"] == nil)
    }

    @Test func theFirstDifferingEntryIsShownWithADiffOfItsPayload() async throws {
        let a = try Self.org()
        defer { a.remove() }
        let b = try a.copy()
        defer { b.remove() }
        try b.writeReplies(Self.script(secondLine: "line 2"))
        try b.add(TestAgent("c"))
        try await run(a, ticks: 3)
        try await run(b, ticks: 3)
        let comparison = try Self.compare(a, b)
        #expect(comparison.isDifferent)
        #expect(comparison.onlyInA == [] && comparison.onlyInB == ["c"])
        #expect(comparison.rows.map(\.agent) == ["a", "b", "c"])
        #expect(comparison.rows[2].a == nil && comparison.rows[2].differences == [])
        let difference = try #require(comparison.firstDifference)
        #expect(difference.position == 1 && difference.tick == 2)
        #expect(difference.a?.id.text == "00000002-a-01" && difference.b?.id.text == "00000002-a-01")
        #expect(difference.fields == ["payload"])
        #expect(difference.payloadDiff == ["- payload.text:2: line two", "+ payload.text:2: line 2"])
        // c's three idle turns are in B's totals only.
        #expect(comparison.total.differences.contains("turns"))
        #expect(comparison.total.a?.turns == 6 && comparison.total.b?.turns == 9)
        let json = comparison.json(rootA: a.root, rootB: b.root)
        #expect(json["only_in_b"] == ["c"])
        #expect(json["first_difference"]?["fields"] == ["payload"])
        #expect(json["first_difference"]?["b"]?["id"] == "00000002-a-01")
    }

    @Test func aRunThatWentFurtherDiffersAtItsFirstExtraEntry() async throws {
        let a = try TemporaryOrg.make(
            agents: [TestAgent("a")], replies: [.message("a", tick: 1, "one"), .message("a", tick: 3, "three")])
        defer { a.remove() }
        let b = try a.copy()
        defer { b.remove() }
        try await run(a, ticks: 2)
        try await run(b, ticks: 3)
        let comparison = try Self.compare(a, b)
        let difference = try #require(comparison.firstDifference)
        #expect(difference.position == 1 && difference.a == nil && difference.b?.id.text == "00000003-a-01")
        #expect(difference.fields == [] && difference.payloadDiff == [])
        #expect(
            comparison.rows[0].differences == ["turns", "entries", "tokens_in", "tokens_out", "cost", "stop_reasons"])
    }
}

@Suite struct PayloadDiffTests {
    @Test func membersThatDifferAreShownAsCompactJSONAndMissingOnesAsNone() {
        let a: JSONObject = ["text": "same", "count": 1, "gone": ["x": true]]
        let b: JSONObject = ["text": "same", "count": 2, "new": [1, 2]]
        #expect(
            PayloadDiff.lines(a, b) == [
                "- payload.count: 1", "+ payload.count: 2", #"- payload.gone: {"x":true}"#, "+ payload.gone: (none)",
                "- payload.new: (none)", "+ payload.new: [1,2]",
            ])
        #expect(PayloadDiff.lines(a, a) == [])
    }

    @Test func longDiffsAreCut() {
        let a: JSONObject = ["text": .string((1...20).map { "a\($0)" }.joined(separator: "\n"))]
        let b: JSONObject = ["text": .string(String(repeating: "y", count: 500))]
        let lines = PayloadDiff.lines(a, b)
        #expect(lines.count == PayloadDiff.maxLines + 1)
        #expect(lines.first == "- payload.text:1: a1")
        #expect(lines.last == "… 9 more lines")
        let long = PayloadDiff.lines(["text": "x"], b)
        #expect(long[1].count == PayloadDiff.maxLineCharacters && long[1].hasSuffix("…"))
    }
}
