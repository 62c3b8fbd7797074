import Foundation
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingCore

private let sample: JSONValue = [
    "name": "ann", "count": 2, "ratio": 0.5, "ok": true, "none": nil, "list": [1, "two"], "empty": [:],
    "nothing": [],
]

@Test func compactOutputIsExact() {
    let text = JSONWriter(style: .compact).string(sample)
    #expect(
        text == #"{"name":"ann","count":2,"ratio":0.5,"ok":true,"none":null,"list":[1,"two"],"empty":{},"nothing":[]}"#)
    #expect(JSONWriter(style: .compact).bytes(sample) == Array(text.utf8))
    #expect(sample.compactText == text)
}

@Test func prettyOutputIsExactWithAFinalNewline() {
    let expected = """
        {
          "name": "ann",
          "count": 2,
          "ratio": 0.5,
          "ok": true,
          "none": null,
          "list": [
            1,
            "two"
          ],
          "empty": {},
          "nothing": []
        }

        """
    #expect(JSONWriter(style: .pretty).bytes(sample) == Array(expected.utf8))
    #expect(JSONWriter().string(sample) + "\n" == expected)
}

@Test func prettyOutputNestsTwoSpacesPerLevel() {
    let value: JSONValue = ["a": ["b": [["c": 1]]]]
    let expected = "{\n  \"a\": {\n    \"b\": [\n      {\n        \"c\": 1\n      }\n    ]\n  }\n}"
    #expect(JSONWriter(style: .pretty).string(value) == expected)
}

@Test(arguments: [
    (JSONValue.null, "null"),
    (.bool(false), "false"),
    (.int(Int.min), "-9223372036854775808"),
    (.int(Int.max), "9223372036854775807"),
    (.double(2), "2.0"),
    (.double(-0.0), "-0.0"),
    (.double(0.1), "0.1"),
    (.double(1e20), "1e+20"),
    (.double(1.5e-7), "1.5e-07"),
    (.double(.infinity), "null"),
    (.double(-.infinity), "null"),
    (.double(.nan), "null"),
    (.string(""), #""""#),
])
func writesScalars(value: JSONValue, expected: String) {
    #expect(value.compactText == expected)
}

@Test func escapesOnlyWhatJSONRequires() {
    let text = "q\" b\\ n\n r\r t\t \u{01}\u{1F}\u{0}/é😀\u{7F}"
    let expected = #""q\" b\\ n\n r\r t\t \u0001\u001f\u0000/é😀"# + "\u{7F}\""
    #expect(JSONValue.string(text).compactText == expected)
}

@Test func escapesKeysLikeStrings() {
    let value: JSONValue = ["a\"b\n": 1]
    #expect(value.compactText == #"{"a\"b\n":1}"#)
}

// MARK: - Round trips

private let roundTripDocuments: [String] = [
    #"{"z":1,"a":2,"m":{"y":[],"b":{}}}"#,
    #"[1,-2,3.25,-0.001,1e+20,"x",true,false,null]"#,
    #"{"unicode":"häßlich 日本 😀","escapes":"\"\\\n\r\t\u0001\u001f"}"#,
    #"{"big":9223372036854775807,"small":-9223372036854775808,"double":1.7976931348623157e+308}"#,
    #"[[[[[]]]],{"":{"":""}}]"#,
]

@Test(arguments: roundTripDocuments)
func compactRoundTripIsByteIdentical(document: String) throws {
    let value = try json(document)
    #expect(value.compactText == document)
}

@Test(arguments: roundTripDocuments)
func prettyOutputParsesBackToTheSameValueAndOrder(document: String) throws {
    let value = try json(document)
    let pretty = JSONWriter(style: .pretty).bytes(value)
    let reparsed = try JSONValue.parse(pretty)
    #expect(reparsed == value)
    #expect(reparsed.compactText == document)
    #expect(JSONWriter(style: .pretty).bytes(reparsed) == pretty)
}

@Test func surrogatePairEscapesRoundTripAsRawUTF8() throws {
    let value = try json(#"["\ud83d\ude00","\u00e9"]"#)
    #expect(value.compactText == #"["😀","é"]"#)
    #expect(try JSONValue.parse(value.compactText) == value)
}

@Test func controlCharactersRoundTrip() throws {
    let every = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
    let value = JSONValue.string(every)
    let text = value.compactText
    #expect(text.utf8.allSatisfy { $0 >= 0x20 })
    #expect(try JSONValue.parse(text) == value)
}

@Test func doublesRoundTripExactly() throws {
    var generator = SeededGenerator(seed: 7)
    for _ in 0..<500 {
        let double = Double(bitPattern: generator.next())
        guard double.isFinite else { continue }
        let reparsed = try JSONValue.parse(JSONValue.double(double).compactText)
        #expect(reparsed == .double(double), "\(double)")
    }
}

@Test func integersRoundTripExactly() throws {
    var generator = SeededGenerator(seed: 8)
    for _ in 0..<500 {
        let integer = Int(truncatingIfNeeded: generator.next())
        #expect(try JSONValue.parse(JSONValue.int(integer).compactText) == .int(integer))
    }
}

@Test func sameValueAlwaysGivesTheSameBytes() throws {
    let first = try json(#"{"b":1,"a":[1,2]}"#)
    var built = JSONObject()
    built["b"] = 1
    built["a"] = [1, 2]
    #expect(JSONWriter().bytes(first) == JSONWriter().bytes(.object(built)))
}

/// The reference escaping rules, one byte at a time.
private func referenceEscaped(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

@Test func stringEscapingMatchesTheReferenceOnRandomText() {
    var generator = SeededGenerator(seed: 77)
    let alphabet: [Character] = [
        "a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{1F}", "é", "€", "😀", "~", "{",
    ]
    for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200] {
        for _ in 0..<20 {
            let text = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            #expect(JSONValue.string(text).compactText == referenceEscaped(text), "\(Array(text.utf8))")
        }
    }
}

@Test func lineBuilderWritesWhatTheWriterWrites() {
    var line = JSONLineBuilder()
    line.beginObject()
    line.member("a", 1)
    line.object("b") { inner in
        inner.beginArray("list")
        for text in ["x", "y\n"] {
            inner.beginObject()
            inner.member("t", .string(text))
            inner.endObject()
        }
        inner.endArray()
        inner.member("raw", raw: Array("[true]".utf8))
    }
    line.member("c", .null)
    line.endObject()
    let expected: JSONValue = ["a": 1, "b": ["list": [["t": "x"], ["t": "y\n"]], "raw": [true]], "c": nil]
    #expect(line.bytes == JSONWriter(style: .compact).bytes(expected))
}
