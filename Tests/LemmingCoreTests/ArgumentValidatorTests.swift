import LemmingJSON
import Testing

@testable import LemmingCore

@Suite struct ArgumentValidatorTests {
    static let schema: JSONValue = [
        "type": "object",
        "properties": [
            "path": ["type": "string", "minLength": 1, "maxLength": 8],
            "count": ["type": "integer", "minimum": 0, "maximum": 10],
            "ratio": ["type": "number"],
            "mode": ["type": "string", "enum": ["fast", "slow"]],
            "tags": ["type": "array", "items": ["type": "string"], "maxItems": 2],
            "flag": ["type": ["boolean", "null"]],
        ],
        "required": ["path"],
        "additionalProperties": false,
    ]

    static func problem(_ arguments: JSONValue) -> String? {
        ArgumentValidator.problem(with: arguments, schema: schema)
    }

    @Test func acceptsConformingArguments() {
        #expect(Self.problem(["path": "a.txt"]) == nil)
        #expect(
            Self.problem([
                "path": "a", "count": 3, "ratio": 0.5, "mode": "slow", "tags": ["x", "y"], "flag": nil,
            ]) == nil)
        #expect(Self.problem(["path": "a", "ratio": 2, "flag": true]) == nil)
    }

    static let cases: [(JSONValue, String)] = [
        (JSONValue.array([]), "args must be an object (got an array)"),
        (["count": 1], "args.path is required"),
        (["path": ""], "args.path must not be empty"),
        (["path": "123456789"], "args.path must have at most 8 characters (got 9)"),
        (["path": 3], "args.path must be a string (got an integer)"),
        (["path": "a", "count": 2.5], "args.count must be an integer (got a number)"),
        (["path": "a", "count": 11], "args.count must be ≤ 10"),
        (["path": "a", "count": -1], "args.count must be ≥ 0"),
        (["path": "a", "mode": "medium"], #"args.mode must be one of "fast", "slow""#),
        (["path": "a", "tags": ["x", 1]], "args.tags[1] must be a string (got an integer)"),
        (["path": "a", "tags": ["x", "y", "z"]], "args.tags must have at most 2 items"),
        (["path": "a", "flag": "yes"], "args.flag must be a boolean or a null (got a string)"),
        (
            ["path": "a", "extra": 1],
            "args.extra is not an argument of this tool (arguments: path, count, ratio, mode, tags, flag)"
        ),
    ]

    @Test(arguments: cases)
    func namesTheFirstProblem(arguments: JSONValue, message: String) {
        #expect(Self.problem(arguments) == message)
    }
}
