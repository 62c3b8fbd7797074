/// Why a JSON text could not be read, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in words.
    public var message: String
    /// The byte offset at which it went wrong.
    public var offset: Int

    public var description: String { "\(message) at byte \(offset)" }
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259).
///
/// It never traps: malformed input, deep nesting (beyond ``maximumDepth``) and invalid UTF-8 are
/// errors or repaired text, never a crash. Its cost is linear in the input. It is lenient in one way
/// everywhere: raw control characters inside strings are kept instead of rejected.
///
/// A *tolerant* parser (for model replies only, never for the org's own files) also reads the
/// common defects of model-written JSON, and notes each kind it met in ``repairs``: trailing commas,
/// `//`, `/* */` and `#` comments, single-quoted strings, Python's `True`, `False` and `None`,
/// strings in typographic double quotes (`“…”`), escapes JSON does not have (`\'`, `\x`: kept as
/// written, `\'` as `'`), and raw newlines or tabs inside strings. It does not complete a value
/// the text cuts off: an error whose offset is the end of the input means the value was truncated.
package struct JSONParser {
    /// The deepest nesting of arrays and objects any document may have.
    ///
    /// Invariant: this must exceed LemmingCore's `OrgConfig.ReplyLimits.valueDepthCeiling` plus its
    /// `embeddingDepthMargin` (and the 3 levels of a reply above a tool's args), so that any value a
    /// reply is allowed to carry can be stored a few levels deeper (in `state/agents.json`, memory
    /// records, entries, turn records) and read back (issue 11 item 6; `ReplyDepthTests` checks it).
    package static let maximumDepth = 200

    private let bytes: UnsafeBufferPointer<UInt8>
    package private(set) var index: Int
    private var depth = 0
    /// Whether the defects of model JSON are read and noted instead of refused.
    package let isTolerant: Bool
    /// The kinds of defect a tolerant parse repaired so far. A strict parse notes only the raw
    /// control characters it keeps in strings.
    package private(set) var repairs = JSONRepairs()

    package init(bytes: UnsafeBufferPointer<UInt8>, start: Int = 0, tolerant: Bool = false) {
        self.bytes = bytes
        self.index = start
        self.isTolerant = tolerant
    }

    /// Parses one whole document; only whitespace may follow the value.
    package static func parseDocument(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Parses the whole buffer as one document; only whitespace may follow the value.
    package mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    /// Parses one value that starts at `start` and returns it with the offset just past it.
    package static func parsePrefix(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (JSONValue, Int)? {
        var parser = JSONParser(bytes: bytes, start: start)
        guard let value = try? parser.parseValue() else { return nil }
        return (value, parser.index)
    }

    /// What a tolerant parse of one value found: the value, the offset just past it, and the
    /// defects it repaired.
    package struct TolerantValue {
        package var value: JSONValue
        package var end: Int
        package var repairs: JSONRepairs
    }

    /// Parses one value that starts at `start` with a tolerant parser.
    ///
    /// - Returns: the value, or the error; an error at offset `bytes.count` means the text ends
    ///   inside the value (it was cut off).
    package static func parseTolerantPrefix(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int
    ) -> Result<TolerantValue, JSONParseError> {
        var parser = JSONParser(bytes: bytes, start: start, tolerant: true)
        do {
            let value = try parser.parseValue()
            return .success(TolerantValue(value: value, end: parser.index, repairs: parser.repairs))
        } catch {
            return .failure(error)
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default:
                guard isTolerant, skipComment() else { return }
            }
        }
    }

    /// Skips one `//`, `#` or `/* */` comment at `index`; `false` when there is none.
    @inline(never)  // a cold path: kept out of the hot loops
    private mutating func skipComment() -> Bool {
        let byte = bytes[index]
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && next == UInt8(ascii: "/")) {
            while index < bytes.count, bytes[index] != 0x0A { index += 1 }
        } else if byte == UInt8(ascii: "/"), next == UInt8(ascii: "*") {
            index += 2
            while index < bytes.count,
                !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/"))
            {
                index += 1
            }
            index = min(index + 2, bytes.count)
        } else {
            return false
        }
        repairs.insert(.comment)
        return true
    }

    private func fail(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: index)
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            guard isTolerant else { throw fail("unexpected character") }
            return try parseTolerantValue()
        }
    }

    /// The values only a tolerant parser reads: quoted other ways, or Python's literals.
    @inline(never)  // a cold path: kept out of the hot loops
    private mutating func parseTolerantValue() throws(JSONParseError) -> JSONValue {
        switch bytes[index] {
        case UInt8(ascii: "'"), 0xE2:
            return .string(try parseOtherQuotedString())
        case UInt8(ascii: "T"):
            repairs.insert(.pythonLiteral)
            return try parseLiteral("True", .bool(true))
        case UInt8(ascii: "F"):
            repairs.insert(.pythonLiteral)
            return try parseLiteral("False", .bool(false))
        case UInt8(ascii: "N"):
            repairs.insert(.pythonLiteral)
            return try parseLiteral("None", .null)
        default:
            throw fail("unexpected character")
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        let available = min(count, bytes.count - index)
        let matches = word.withUTF8Buffer { literal in
            (0..<available).allSatisfy { bytes[index + $0] == literal[$0] }
        }
        guard matches else { throw fail("invalid literal") }
        guard available == count else {
            // The text ends inside the literal: report it at the end, as a cut-off value.
            index = bytes.count
            throw fail("unexpected end of input")
        }
        index += count
        return value
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maximumDepth { throw fail("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            let key: String
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                key = try parseString()
            } else if isTolerant, index < bytes.count, bytes[index] == UInt8(ascii: "}"), !object.isEmpty {
                repairs.insert(.trailingComma)
                index += 1
                return .object(object)
            } else if isTolerant, index < bytes.count, bytes[index] == UInt8(ascii: "'") || bytes[index] == 0xE2 {
                key = try parseOtherQuotedString()
            } else {
                throw fail("expected a key")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            object[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                if isTolerant {
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                        repairs.insert(.trailingComma)
                        index += 1
                        return .array(elements)
                    }
                }
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            // Most bytes are neither a quote, a backslash nor a control character: one test each.
            if byte > UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { repairs.insert(.controlCharacter) }
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte != UInt8(ascii: "\\") {
                if byte < 0x20 { repairs.insert(.controlCharacter) }
                buffer.append(byte)
                index += 1
                continue
            }
            try appendEscape(to: &buffer)
        }
        throw fail("unterminated string")
    }

    /// A string in single quotes or typographic double quotes (`“…”`), for a tolerant parser only.
    /// Inside, the other quotes are plain characters and escapes are read as in a JSON string.
    @inline(never)  // a cold path: kept out of the hot loops
    private mutating func parseOtherQuotedString() throws(JSONParseError) -> String {
        // “ is E2 80 9C and ” is E2 80 9D in UTF-8.
        let isSmart = bytes[index] == 0xE2
        if isSmart {
            guard index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x9C else {
                throw fail("unexpected character")
            }
            index += 3
            repairs.insert(.smartQuotes)
        } else {
            index += 1
            repairs.insert(.singleQuotes)
        }
        var buffer: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if isSmart, byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x9D {
                index += 3
                return String(decoding: buffer, as: UTF8.self)
            }
            if !isSmart, byte == UInt8(ascii: "'") {
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                try appendEscape(to: &buffer)
                continue
            }
            if byte < 0x20 { repairs.insert(.controlCharacter) }
            buffer.append(byte)
            index += 1
        }
        throw fail("unterminated string")
    }

    /// Reads the escape sequence at `index` (a backslash) into `buffer`.
    @inline(never)  // a cold path: kept out of the hot loops
    private mutating func appendEscape(to buffer: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard index < bytes.count else { throw fail("unterminated string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C)
        case UInt8(ascii: "/"): buffer.append(0x2F)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            {
                let save = index
                index += 2
                let low = try parseHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save
                }
            }
            let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            buffer.append(contentsOf: String(character).utf8)
        case UInt8(ascii: "'") where isTolerant:
            repairs.insert(.invalidEscape)
            buffer.append(escape)
        default:
            guard isTolerant, escape >= 0x20 else { throw fail("invalid escape sequence") }
            // An escape JSON does not have (`\x`, `\U` in a Windows path): kept as written.
            repairs.insert(.invalidEscape)
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(escape)
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else {
            index = bytes.count
            throw fail("truncated \\u escape")
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > digitsStart else { throw fail("invalid number") }
        guard bytes[digitsStart] != UInt8(ascii: "0") || index == digitsStart + 1 else {
            throw fail("leading zeros are not allowed")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let fractionStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > fractionStart else { throw fail("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > exponentStart else { throw fail("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw fail("number out of range") }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

extension JSONValue {
    /// Parses a whole JSON document.
    ///
    /// - Throws: ``JSONParseError`` naming what is wrong and where.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parseDocument(buffer) }
        }
        return try result.get()
    }

    /// Parses a whole JSON document held in a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// The kinds of defect of model-written JSON that a tolerant ``JSONParser`` repaired.
package struct JSONRepairs: OptionSet, Sendable, Hashable {
    package let rawValue: UInt8

    package init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    package static let trailingComma = JSONRepairs(rawValue: 1 << 0)
    package static let comment = JSONRepairs(rawValue: 1 << 1)
    package static let singleQuotes = JSONRepairs(rawValue: 1 << 2)
    package static let pythonLiteral = JSONRepairs(rawValue: 1 << 3)
    package static let smartQuotes = JSONRepairs(rawValue: 1 << 4)
    package static let invalidEscape = JSONRepairs(rawValue: 1 << 5)
    package static let controlCharacter = JSONRepairs(rawValue: 1 << 6)

    private static let named: [(JSONRepairs, String)] = [
        (.trailingComma, "trailing commas"),
        (.comment, "comments"),
        (.singleQuotes, "single-quoted strings"),
        (.pythonLiteral, "Python's True, False or None"),
        (.smartQuotes, "typographic quotes (“ ”)"),
        (.invalidEscape, "escapes JSON does not have (such as \\')"),
        (.controlCharacter, "raw line breaks or tabs inside strings (write \\n, \\t)"),
    ]

    /// The kinds, in words, in a fixed order.
    package var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
}
