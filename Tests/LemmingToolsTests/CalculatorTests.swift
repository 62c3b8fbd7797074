import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

@testable import LemmingTools

@Suite(.timeLimit(.minutes(2))) struct CalculatorTests {
    @Test(arguments: [
        ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4), ("10 % 4", 2), ("7 / 2", 3.5),
        ("sqrt(16) + abs(-3)", 7), ("max(1, 5, 3) - min(4, 2)", 3), ("round(2.5) + floor(1.9) + ceil(1.1)", 6),
        ("1.5e3 + 2E-1", 1500.2), ("pow(2, 10)", 1024), ("ln(e)", 1), ("  4  ", 4),
    ])
    func evaluatesArithmetic(expression: String, expected: Double) throws {
        let value = try ArithmeticExpression.evaluate(expression)
        #expect(abs(value - expected) < 1e-9)
    }

    @Test(arguments: [
        "", "1 +", "(1", "1)", "2 ** 3", "1 / 0", "5 % 0", "foo(1)", "x", "system(1)", "1e400 * 10", "sqrt(1, 2)",
        String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500),
        String(repeating: "-", count: 10_000) + "1",
    ])
    func refusesWhatIsNotArithmetic(expression: String) {
        #expect(throws: ArithmeticExpression.Failure.self) { try ArithmeticExpression.evaluate(expression) }
    }

    @Test func calculatorRunsThroughATurn() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["calculator"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("calculator", ["expression": "(2 + 3) * sqrt(16)"]),
                        call("calculator", ["expression": "1 / 3"]),
                        call("calculator", ["expression": "1 / 0"]),
                        call("calculator", ["expr": "1"]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome[0] == RecordedResult(["tool": "calculator", "success": true, "output": "20"]))
        #expect(outcome[1].success && outcome[1].output.hasPrefix("0.333333"))
        #expect(!outcome[2].success && outcome[2].error == "division by zero")
        // Arguments are checked against the schema before the tool runs.
        #expect(!outcome[3].success && outcome[3].error?.contains("args.expression is required") == true)
    }
}
