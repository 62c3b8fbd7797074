import LemmingCore
import LemmingJSON

/// `calculator`: evaluates an arithmetic expression (see ``ArithmeticExpression``).
struct CalculatorTool: Tool {
    let name = "calculator"
    /// It only reads, or changes engine state through its effects: running it again is harmless.
    let hasExternalEffects = false
    let summary = "Evaluate arithmetic: + - * / % ^, parentheses, sqrt, ln, log10, sin, min, max, pi, e…"
    let argumentSchema = Schema.object(
        ["expression": Schema.string("for example (2 + 3) * sqrt(16)", minLength: 1, maxLength: 1_000)],
        required: ["expression"])

    func run(_ arguments: JSONObject, context: ToolContext) async -> ToolOutput {
        do throws(ArithmeticExpression.Failure) {
            let value = try ArithmeticExpression.evaluate(arguments["expression"]?.stringValue ?? "")
            return ToolOutput(.success(name, Self.format(value)))
        } catch {
            return ToolOutput(.failure(name, error.message))
        }
    }

    /// Integers without a fraction; others with up to 15 significant digits.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), Swift.abs(value) < 9_007_199_254_740_992 { return String(Int(value)) }
        return JSONValue.double(value).compactText
    }
}
