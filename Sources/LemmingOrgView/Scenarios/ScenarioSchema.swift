import LemmingJSON

/// The JSON Schema (2020-12) of a scenario file, printed by `lemming schema scenario`.
///
/// ``Scenario/load(file:shownAs:)`` checks every file against it before reading the fields, so the
/// schema is the format's single definition: what it refuses, `lemming test` refuses, with the
/// same message.
public enum ScenarioSchema {
    public static let document: JSONValue = [
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://lemming.dev/schema/scenario.json",
        "title": "LeMMing scenario",
        "description": .string(
            "A test of a whole org for `lemming test`: an org (a folder or a template, copied to a scratch "
                + "folder), where the models' replies come from, the human's messages by tick, a tick budget and "
                + "what must hold at the end. Ticks are counted from the scenario's start: 1 is the first tick it "
                + "runs. Paths are relative to the scenario file."),
        "type": "object",
        "required": ["ticks"],
        "oneOf": [["required": ["org"]], ["required": ["template"]]],
        "additionalProperties": false,
        "properties": [
            "$schema": ["type": "string"],
            "name": ["type": "string", "minLength": 1, "description": "Shown in reports; default: the file's name."],
            "description": ["type": "string"],
            "org": [
                "type": "string", "minLength": 1,
                "description": "An org folder (with lemming.json), relative to this file; it is copied, never changed.",
            ],
            "template": [
                "type": "string", "enum": ["init"],
                "description": "A built-in org: `init` is the one `lemming init` creates.",
            ],
            "replies": ["$ref": "#/$defs/replies"],
            "messages": ["type": "array", "items": ["$ref": "#/$defs/message"]],
            "ticks": ["type": "integer", "minimum": 1, "maximum": 10_000, "description": "Ticks to run."],
            "expect": ["$ref": "#/$defs/expect"],
        ],
        "$defs": [
            "replies": [
                "description": .string(
                    "Where the models' replies come from; every model key the org's agents use is pointed at it "
                        + "(prices kept). Absent: the org's own models."),
                "type": "object",
                "oneOf": [["required": ["cassette"]], ["required": ["scripted"]], ["required": ["model"]]],
                "additionalProperties": false,
                "properties": [
                    "cassette": [
                        "type": "string", "minLength": 1,
                        "description": .string(
                            "A recorded cassette (JSON Lines), relative to this file; `lemming test --record` runs "
                                + "the org's own models and writes it."),
                    ],
                    "mode": ["type": "string", "enum": ["strict", "lenient"], "description": "Default strict."],
                    "scripted": [
                        "type": "array", "description": "Replies as a scripted model's lines.",
                        "items": [
                            "type": "object", "required": ["agent", "reply"], "additionalProperties": false,
                            "properties": [
                                "agent": ["type": "string", "minLength": 1],
                                "tick": ["type": "integer", "description": "Absent: any tick not listed."],
                                "reply": ["type": ["object", "string"]],
                            ],
                        ],
                    ],
                    "model": ["type": "string", "minLength": 1, "description": "A live model: a registry key."],
                ],
            ],
            "message": [
                "type": "object", "required": ["tick", "to", "text"], "additionalProperties": false,
                "properties": [
                    "tick": ["type": "integer", "minimum": 1, "description": "Sent just before this tick runs."],
                    "to": [
                        "anyOf": [
                            ["type": "string", "minLength": 1],
                            ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1],
                        ]
                    ],
                    "text": ["type": "string", "minLength": 1],
                    "kind": ["type": "string", "minLength": 1, "description": "Default message."],
                    "priority": ["type": "string", "enum": ["urgent", "normal", "low"]],
                ],
            ],
            "entry": [
                "type": "object", "required": ["from"], "additionalProperties": false,
                "description": "An entry that must exist by the end (or by a tick).",
                "properties": [
                    "from": ["type": "string", "minLength": 1, "description": "The author."],
                    "to": [
                        "type": "string", "minLength": 1,
                        "description": .string(
                            "A recipient: named in the entry's recipients, or able to read the author when the "
                                + "entry has none."),
                    ],
                    "kind": ["type": "string", "minLength": 1],
                    "contains": ["type": "string", "minLength": 1, "description": "Text, ignoring case."],
                    "by_tick": ["type": "integer", "minimum": 1],
                ],
            ],
            "rubric": [
                "type": "object", "required": ["judge", "prompt", "threshold"], "additionalProperties": false,
                "description": .string(
                    "A judge model scores the run's transcript from 0 to 1; the scenario passes at or above the "
                        + "threshold. The judge's cost is reported, not counted in max_cost."),
                "properties": [
                    "judge": ["type": "string", "minLength": 1, "description": "A model key of the org's registry."],
                    "prompt": ["type": "string", "minLength": 1, "description": "What to judge, and how."],
                    "threshold": ["type": "number", "minimum": 0, "maximum": 1],
                ],
            ],
            "expect": [
                "type": "object", "additionalProperties": false,
                "properties": [
                    "entries": ["type": "array", "items": ["$ref": "#/$defs/entry"]],
                    "no_violations": ["type": "boolean", "description": "No contract violation in any turn."],
                    "max_cost": ["type": "number", "minimum": 0, "description": "Credits the run may spend."],
                    "no_loop_detected": ["type": "boolean", "description": "No agent ends paused as loop_detected."],
                    "no_failed_turns": [
                        "type": "boolean", "description": "No turn failed (a provider error, a cassette mismatch).",
                    ],
                    "rubric": ["$ref": "#/$defs/rubric"],
                ],
            ],
        ],
    ]
}
