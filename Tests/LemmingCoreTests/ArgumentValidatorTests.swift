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

    /// What MCP servers built on pydantic send: `$defs` and `$ref`, `anyOf` with null for optional
    /// fields, `const`, exclusive bounds.
    static let pydantic: JSONValue = [
        "type": "object",
        "$defs": [
            "Point": [
                "type": "object", "properties": ["x": ["type": "integer"], "y": ["type": "integer"]],
                "required": ["x", "y"],
            ]
        ],
        "properties": [
            "at": ["$ref": "#/$defs/Point"],
            "label": ["anyOf": [["type": "string", "maxLength": 3], ["type": "null"]]],
            "unit": ["const": "cm"],
            "scale": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10],
            "loop": ["$ref": "#"],
        ],
        "required": ["at"],
    ]

    static let pydanticCases: [(JSONValue, String?)] = [
        (["at": ["x": 1, "y": 2]], nil),
        (["at": ["x": 1, "y": 2], "label": nil, "unit": "cm", "scale": 9.5], nil),
        (["at": ["x": 1, "y": 2], "label": "abc"], nil),
        (["at": ["x": 1]], "args.at.y is required"),
        (["at": ["x": "1", "y": 2]], "args.at.x must be an integer (got a string)"),
        (
            ["at": ["x": 1, "y": 2], "label": "abcd"],
            "args.label matches none of its 2 forms (args.label must have at most 3 characters (got 4))"
        ),
        (["at": ["x": 1, "y": 2], "unit": "mm"], #"args.unit must be "cm""#),
        (["at": ["x": 1, "y": 2], "scale": 0], "args.scale must be > 0"),
        (["at": ["x": 1, "y": 2], "scale": 10], "args.scale must be < 10"),
        // A schema that refers to itself is followed a bounded number of times.
        (
            ["at": ["x": 1, "y": 2], "loop": ["at": ["x": 1, "y": 2], "loop": ["at": 5]]],
            "args.loop.loop.at must be an object (got an integer)"
        ),
    ]

    @Test(arguments: pydanticCases)
    func followsReferencesAndAlternatives(arguments: JSONValue, message: String?) {
        #expect(ArgumentValidator.problem(with: arguments, schema: Self.pydantic) == message)
    }
}
