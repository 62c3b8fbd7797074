import Foundation
import LemmingTesting
import Testing

@testable import LemmingCore

@Test(arguments: [
    (0.0, "1970-01-01T00:00:00.000Z"),
    (1_709_210_096.789, "2024-02-29T12:34:56.789Z"),
    (951_782_400, "2000-02-29T00:00:00.000Z"),
    (4_107_542_400, "2100-03-01T00:00:00.000Z"),
    (4_107_542_399, "2100-02-28T23:59:59.000Z"),
    (1_795_255_200, "2026-11-21T10:00:00.000Z"),
    (-1, "1969-12-31T23:59:59.000Z"),
    (-86_400, "1969-12-31T00:00:00.000Z"),
    (-2_208_988_800, "1900-01-01T00:00:00.000Z"),
    (1.9999, "1970-01-01T00:00:01.999Z"),
])
func formatsKnownDates(seconds: Double, expected: String) {
    #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
}

@Test func formatRoundsDownToTheMillisecond() {
    #expect(Timestamp.format(Date(timeIntervalSince1970: -0.0004)) == "1969-12-31T23:59:59.999Z")
    #expect(Timestamp.format(Date(timeIntervalSince1970: 59.9996)) == "1970-01-01T00:00:59.999Z")
}

@Test func formatsTheLastMillisecondBefore1970() {
    #expect(Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
}

@Test func everyWholeMillisecondFormatsExactly() {
    var generator = SeededGenerator(seed: 4)
    var mismatches: [String] = []
    for _ in 0..<2_000 {
        let milliseconds = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)
        let text = Timestamp.format(Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        let shown = text.dropLast().split(separator: ".").last.flatMap { Int64($0) }
        let wanted = ((milliseconds % 1_000) + 1_000) % 1_000
        if shown != wanted { mismatches.append("\(milliseconds) ms → \(text)") }
    }
    #expect(mismatches.count == 0, "e.g. \(mismatches.prefix(3))")
}

@Test(arguments: [
    "1970-01-01T00:00:00.000Z", "2024-02-29T12:34:56.789Z", "1969-12-31T23:59:59.000Z", "2026-11-21T10:00:00.000Z",
    "2099-12-31T23:59:59.001Z", "2000-01-01T00:00:00.010Z",
])
func parseThenFormatRoundTrips(text: String) throws {
    let date = try #require(Timestamp.parse(text))
    #expect(Timestamp.format(date) == text)
}

@Test func formatThenParseRoundTripsWholeSeconds() throws {
    var generator = SeededGenerator(seed: 3)
    for _ in 0..<300 {
        let seconds = Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator)
        let text = Timestamp.format(Date(timeIntervalSince1970: Double(seconds)))
        #expect(text.hasSuffix(".000Z"))
        let parsed = try #require(Timestamp.parse(text), "\(text)")
        #expect(Timestamp.format(parsed) == text)
    }
}

@Test func parseAcceptsOffsetsAndMissingFractions() throws {
    let plain = try #require(Timestamp.parse("2026-11-21T10:00:00Z"))
    #expect(plain.timeIntervalSince1970 == 1_795_255_200)
    let offset = try #require(Timestamp.parse("2026-11-21T12:00:00+02:00"))
    #expect(offset.timeIntervalSince1970 == 1_795_255_200)
    let fractionAndOffset = try #require(Timestamp.parse("2026-11-21T09:00:00.500-01:00"))
    #expect(Timestamp.format(fractionAndOffset) == "2026-11-21T10:00:00.500Z")
}

@Test(arguments: ["", "yesterday", "2026-11-21", "2026-13-01T00:00:00Z", "2026-11-21 10:00:00"])
func parseRejectsOtherText(text: String) {
    #expect(Timestamp.parse(text) == nil)
}
