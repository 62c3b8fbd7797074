import Foundation

/// A recursive-descent evaluator of arithmetic: numbers, `+ - * / %`, `^` (power,
/// right-associative), parentheses, unary `-`/`+`, the constants `pi` and `e`, and the functions
/// `sqrt abs floor ceil round exp ln log10 log2 sin cos tan asin acos atan min max pow`.
///
/// Nothing is executed but arithmetic; nesting is bounded so hostile input cannot exhaust the
/// stack.
struct ArithmeticExpression {
    struct Failure: Error, Equatable {
        var message: String
    }

    static let maximumDepth = 64

    private let characters: [Character]
    private var position = 0
    private var depth = 0

    private init(_ text: String) {
        characters = Array(text)
    }

    /// The value of `text`.
    static func evaluate(_ text: String) throws(Failure) -> Double {
        var parser = ArithmeticExpression(text)
        let value = try parser.sum()
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw Failure(message: "unexpected '\(parser.characters[parser.position])' at \(parser.position + 1)")
        }
        guard value.isFinite else { throw Failure(message: "the result is not a finite number") }
        return value
    }

    private mutating func sum() throws(Failure) -> Double {
        var value = try product()
        while true {
            if accept("+") {
                value += try product()
            } else if accept("-") {
                value -= try product()
            } else {
                return value
            }
        }
    }

    private mutating func product() throws(Failure) -> Double {
        var value = try unary()
        while true {
            if accept("*") {
                value *= try unary()
            } else if accept("/") {
                let divisor = try unary()
                guard divisor != 0 else { throw Failure(message: "division by zero") }
                value /= divisor
            } else if accept("%") {
                let divisor = try unary()
                guard divisor != 0 else { throw Failure(message: "division by zero") }
                value = value.truncatingRemainder(dividingBy: divisor)
            } else {
                return value
            }
        }
    }

    private mutating func unary() throws(Failure) -> Double {
        try descend()
        defer { depth -= 1 }
        if accept("-") { return -(try unary()) }
        if accept("+") { return try unary() }
        return try power()
    }

    private mutating func power() throws(Failure) -> Double {
        let base = try primary()
        guard accept("^") else { return base }
        return Foundation.pow(base, try unary())
    }

    private mutating func primary() throws(Failure) -> Double {
        skipSpaces()
        guard position < characters.count else { throw Failure(message: "the expression ends too early") }
        let character = characters[position]
        if accept("(") {
            let value = try sum()
            guard accept(")") else { throw Failure(message: "missing ')'") }
            return value
        }
        if character.isNumber || character == "." { return try number() }
        if character.isLetter { return try call() }
        throw Failure(message: "unexpected '\(character)' at \(position + 1)")
    }

    private mutating func number() throws(Failure) -> Double {
        let start = position
        while position < characters.count, characters[position].isNumber || characters[position] == "." {
            position += 1
        }
        if position < characters.count, characters[position] == "e" || characters[position] == "E" {
            var look = position + 1
            if look < characters.count, characters[look] == "+" || characters[look] == "-" { look += 1 }
            if look < characters.count, characters[look].isNumber {
                position = look
                while position < characters.count, characters[position].isNumber { position += 1 }
            }
        }
        let text = String(characters[start..<position])
        guard let value = Double(text) else { throw Failure(message: "'\(text)' is not a number") }
        return value
    }

    private mutating func call() throws(Failure) -> Double {
        let start = position
        while position < characters.count, characters[position].isLetter || characters[position].isNumber {
            position += 1
        }
        let name = String(characters[start..<position]).lowercased()
        switch name {
        case "pi": return Double.pi
        case "e": return M_E
        default: break
        }
        guard accept("(") else { throw Failure(message: "unknown name '\(name)'") }
        var arguments = [try sum()]
        while accept(",") { arguments.append(try sum()) }
        guard accept(")") else { throw Failure(message: "missing ')' after the arguments of \(name)") }
        return try Self.apply(name, arguments)
    }

    private static func apply(_ name: String, _ arguments: [Double]) throws(Failure) -> Double {
        let unary: [String: (Double) -> Double] = [
            "sqrt": { $0.squareRoot() }, "abs": { Swift.abs($0) }, "floor": { $0.rounded(.down) },
            "ceil": { $0.rounded(.up) }, "round": { $0.rounded() }, "exp": { Foundation.exp($0) },
            "ln": { Foundation.log($0) }, "log10": { Foundation.log10($0) }, "log2": { Foundation.log2($0) },
            "sin": { Foundation.sin($0) }, "cos": { Foundation.cos($0) }, "tan": { Foundation.tan($0) },
            "asin": { Foundation.asin($0) }, "acos": { Foundation.acos($0) }, "atan": { Foundation.atan($0) },
        ]
        if let function = unary[name] {
            guard arguments.count == 1 else { throw Failure(message: "\(name) takes one argument") }
            return function(arguments[0])
        }
        switch name {
        case "min", "max":
            guard let first = arguments.first else { throw Failure(message: "\(name) needs arguments") }
            return arguments.dropFirst().reduce(first) { name == "min" ? Swift.min($0, $1) : Swift.max($0, $1) }
        case "pow":
            guard arguments.count == 2 else { throw Failure(message: "pow takes two arguments") }
            return Foundation.pow(arguments[0], arguments[1])
        default:
            throw Failure(message: "unknown function '\(name)'")
        }
    }

    private mutating func descend() throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw Failure(message: "the expression nests deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func accept(_ character: Character) -> Bool {
        skipSpaces()
        guard position < characters.count, characters[position] == character else { return false }
        position += 1
        return true
    }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }
}
