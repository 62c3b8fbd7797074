import LemmingJSON
import Testing

@testable import LemmingCore

// MARK: - Values

@Test func parsesEveryKindOfValue() throws {
    let value = try json(#"{"n": null, "t": true, "f": false, "i": -12, "d": 2.5, "s": "x", "a": [1, "y"], "o": {}}"#)
    let object = try #require(value.objectValue)
    #expect(object["n"] == .null)
    #expect(object["t"] == .bool(true))
    #expect(object["f"] == .bool(false))
    #expect(object["i"] == .int(-12))
    #expect(object["d"] == .double(2.5))
    #expect(object["s"] == .string("x"))
    #expect(object["a"] == .array([.int(1), .string("y")]))
    #expect(object["o"] == .object(JSONObject()))
}

@Test func objectKeepsKeyOrderOfTheDocument() throws {
    let object = try jsonObject(#"{"zeta": 1, "alpha": 2, "mid": 3}"#)
    #expect(object.keys == ["zeta", "alpha", "mid"])
    #expect(object.map(\.key) == ["zeta", "alpha", "mid"])
}

@Test func duplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
    let object = try jsonObject(#"{"a": 1, "b": 2, "a": 3}"#)
    #expect(object.keys == ["a", "b"])
    #expect(object["a"] == .int(3))
    #expect(object.count == 2)
}

@Test(arguments: [
    ("0", JSONValue.int(0)),
    ("-0", .int(0)),
    ("42", .int(42)),
    ("-7", .int(-7)),
    ("9223372036854775807", .int(Int.max)),
    ("-9223372036854775808", .int(Int.min)),
    ("9223372036854775808", .double(9.223_372_036_854_775_808e18)),
    ("1.0", .double(1)),
    ("0.1", .double(0.1)),
    ("-2.5e3", .double(-2500)),
    ("1E2", .double(100)),
    ("1e+2", .double(100)),
    ("5e-1", .double(0.5)),
    ("1e-400", .double(0)),
])
func parsesNumbers(text: String, expected: JSONValue) throws {
    #expect(try json(text) == expected)
}

@Test func integersStayIntegersAndDoublesStayDoubles() throws {
    #expect(try json("3") == .int(3))
    #expect(try json("3.0") == .double(3))
    #expect(try json("3") != json("3.0"))
}

// MARK: - Strings

@Test(arguments: [
    (#""\"""#, "\""),
    (#""\\""#, "\\"),
    (#""\/""#, "/"),
    (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
    (#""\u0041\u00e9\u20AC""#, "Aé€"),
    (#""\ud83d\ude00""#, "😀"),
    (#""\uD83D\uDE00!""#, "😀!"),
    (#""\ud800""#, "\u{FFFD}"),
    (#""\ude00x""#, "\u{FFFD}x"),
    (#""\ud800\u0041""#, "\u{FFFD}A"),
    (#""\u0000""#, "\u{0}"),
    (#""plain text""#, "plain text"),
    (#""häßlich 日本 😀""#, "häßlich 日本 😀"),
])
func decodesStringEscapes(text: String, expected: String) throws {
    #expect(try json(text) == .string(expected))
}

@Test func keepsRawControlCharactersInsideStrings() throws {
    // The one documented leniency: models emit raw newlines and tabs inside strings.
    #expect(try json("\"a\nb\tc\u{01}\"") == .string("a\nb\tc\u{01}"))
    #expect(try json("\"\\n\u{02}\"") == .string("\n\u{02}"))
}

@Test func repairsInvalidUTF8InsideStringsWithReplacementCharacters() throws {
    let broken: [[UInt8]] = [
        [0x22, 0xFF, 0x22],
        [0x22, 0x61, 0xC3, 0x22],
        [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22],
    ]
    for bytes in broken {
        let text = try #require(try JSONValue.parse(bytes).stringValue)
        #expect(text.contains("\u{FFFD}"))
        #expect(text.utf8.allSatisfy { $0 != 0xFF && $0 != 0xED })
    }
}

// MARK: - Hostile input

@Test(arguments: [
    "", " ", "\n\t ", "{", "}", "[", "]", "[1,", "[1 2]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}",
    "{a:1}", "{'a':1}", "[1,]", "[,1]", "tru", "nul", "nulL", "True", "falsey", "\"abc", "\"abc\\",
    "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\\uZZZZ\"", "-", "+1", ".5", "1.", "1e", "1e+", "--1",
    "01", "-01", "00", "1 2", "{} {}", "[] x", "NaN", "Infinity", "-Infinity", "1e400", "-1e400",
    String(repeating: "9", count: 400), "\u{FEFF}{}", "/* c */ {}",
])
func rejectsMalformedDocuments(text: String) {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
}

@Test func rejectsEveryTruncationOfAValidDocument() throws {
    let document = #"{"a": [1, -2.5e3, true, false, null, "x\"\u00e9y"], "b": {"c": {}}}"#
    #expect(throws: Never.self) { try JSONValue.parse(document) }
    let bytes = Array(document.utf8)
    for length in 0..<bytes.count {
        #expect(throws: JSONParseError.self, "prefix of \(length) bytes") {
            try JSONValue.parse(Array(bytes[0..<length]))
        }
    }
}

@Test func rejectsInvalidUTF8OutsideStrings() {
    for bytes: [UInt8] in [[0xFF], [0xC3, 0xA9], [0x5B, 0x80, 0x5D], [0x7B, 0xFE, 0x7D]] {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }
}

@Test func rejectsNestingBeyondTheMaximumDepthWithoutTrapping() throws {
    let depth = JSONParser.maximumDepth
    let atLimit = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    #expect(throws: Never.self) { try JSONValue.parse(atLimit) }
    let overLimit = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
    #expect(throws: JSONParseError.self) { try JSONValue.parse(overLimit) }

    let arrays = String(repeating: "[", count: 10_000)
    let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(arrays) }
    #expect(error.message.contains("nesting"))
    let objects = String(repeating: #"{"a":"#, count: 10_000)
    #expect(throws: JSONParseError.self) { try JSONValue.parse(objects) }
    let closed = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONParseError.self) { try JSONValue.parse(closed) }
}

@Test func errorNamesTheOffsetOfTheProblem() throws {
    let error = try #require(throws: JSONParseError.self) { try JSONValue.parse("[1, 2, x]") }
    #expect(error.offset == 7)
    #expect(error.description == "\(error.message) at byte 7")
    let trailing = try #require(throws: JSONParseError.self) { try JSONValue.parse("{}  x") }
    #expect(trailing.offset == 4)
}

@Test func acceptsSurroundingWhitespace() throws {
    #expect(try json(" \r\n\t{\"a\" : [ 1 , 2 ] }\n ") == ["a": [1, 2]])
}

@Test func parsePrefixStopsAfterTheFirstValue() throws {
    let bytes = Array(#"xx{"a":1} tail"#.utf8)
    let result = bytes.withUnsafeBufferPointer { JSONParser.parsePrefix($0, at: 2) }
    let (value, end) = try #require(result)
    #expect(value == ["a": 1])
    #expect(end == 9)
    let failed = bytes.withUnsafeBufferPointer { JSONParser.parsePrefix($0, at: 0) }
    #expect(failed == nil)
}

// MARK: - Tolerance (model replies only)

private func tolerant(_ text: String) -> Result<JSONParser.TolerantValue, JSONParseError> {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { JSONParser.parseTolerantPrefix($0, at: 0) }
}

@Test(arguments: [
    ("[1, 2,]", JSONRepairs.trailingComma),
    (#"{"a": 1, }"#, .trailingComma),
    ("[1, // one\n 2 /* two */, # three\n 3]", .comment),
    ("{'a': 'b \"c\"'}", .singleQuotes),
    ("[True, False, None]", .pythonLiteral),
    ("{“a”: “b’s”}", .smartQuotes),
    (#"["it\'s", "C:\dir"]"#, .invalidEscape),
    ("[\"a\tb\"]", .controlCharacter),
])
func aTolerantParseRepairsAndNotesEachDefect(text: String, repair: JSONRepairs) throws {
    let expected: [String: JSONValue] = [
        "[1, 2,]": [1, 2], #"{"a": 1, }"#: ["a": 1], "[1, // one\n 2 /* two */, # three\n 3]": [1, 2, 3],
        "{'a': 'b \"c\"'}": ["a": #"b "c""#], "[True, False, None]": [true, false, .null], "{“a”: “b’s”}": ["a": "b’s"],
        #"["it\'s", "C:\dir"]"#: ["it's", #"C:\dir"#], "[\"a\tb\"]": ["a\tb"],
    ]
    let found = try tolerant(text).get()
    #expect(found.value == expected[text])
    #expect(found.repairs == repair)
    #expect(found.end == text.utf8.count)
}

@Test(arguments: ["[1, 2,]", #"{"a": 1, }"#, "[1 // c\n]", "{'a': 1}", "[True]", "{“a”: 1}", #"["\'"]"#])
func theStrictParserStillRefusesTheDefectsOfModelJSON(text: String) {
    // The org's own files and API bodies are read strictly.
    #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
}

@Test(arguments: [#"{"a": [1, "#, #"{"a": "b"#, #"{"a": tr"#, #"{"a": "\u12"#, "[1 /* open", "[1,"])
func aCutOffValueFailsAtTheEndOfTheInput(text: String) throws {
    guard case .failure(let error) = tolerant(text) else {
        Issue.record("parsed a cut-off value")
        return
    }
    #expect(error.offset == text.utf8.count)
}

@Test(arguments: ["[,]", "{,}", "[1,,2]", "{'a' 1}", "[Nonsense]", "[1 / 2]"])
func aTolerantParseStillRefusesWhatItCannotRepair(text: String) {
    guard case .failure(let error) = tolerant(text) else {
        Issue.record("parsed \(text)")
        return
    }
    #expect(error.offset < text.utf8.count)
}
