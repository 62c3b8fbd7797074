import LemmingJSON
import Testing

@testable import LemmingCore

/// The dotted paths of every required property.
private func requiredPaths(of schema: JSONObject, prefix: [String] = []) -> Set<String> {
    var result = Set(
        (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue).map { (prefix + [$0]).joined(separator: ".") })
    for (key, value) in schema["properties"]?.objectValue ?? JSONObject() {
        if let child = value.objectValue, isObjectSchema(child) {
            result.formUnion(requiredPaths(of: child, prefix: prefix + [key]))
        }
    }
    return result
}

@Test func schemaListsExactlyTheFieldsOfTheSpec() throws {
    let schema = try #require(ResumeSchema.document.objectValue)
    #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
    #expect(schema["type"] == "object")
    let listed = schemaProperties(of: schema)
    #expect(listed.map(\.path) == ResumeSpec.fields.map(\.dottedPath))
    #expect(requiredPaths(of: schema) == Set(ResumeSpec.fields.filter(\.isRequired).map(\.dottedPath)))
    for (path, fieldSchema) in listed {
        let field = try #require(ResumeSpec.fields.first { $0.dottedPath == path })
        let type = JSONValue.string(field.kind.schemaType)
        #expect(fieldSchema["type"] == (field.isRequired ? type : [type, "null"]), "\(path)")
        #expect(fieldSchema["description"] == .string(field.description), "\(path)")
        #expect(fieldSchema["pattern"] == field.pattern.map { .string($0.regex) }, "\(path)")
        #expect(fieldSchema["minimum"]?.doubleValue == field.minimum, "\(path)")
        #expect(fieldSchema["maximum"]?.doubleValue == field.maximum, "\(path)")
        #expect(fieldSchema["maxLength"]?.intValue == field.maxLength, "\(path)")
        #expect(fieldSchema["default"] == field.defaultValue, "\(path)")
    }
}

@Test func schemaStatesTheDocumentedRules() throws {
    let schema = try #require(ResumeSchema.document.objectValue)
    #expect(schema["required"] == ["name", "title", "short_description", "instructions", "model", "schedule"])
    #expect(schema["properties"]?["name"]?["pattern"] == "^[a-z][a-z0-9_]{0,63}$")
    #expect(schema["properties"]?["short_description"]?["maxLength"] == 200)
    let model = try #require(schema["properties"]?["model"])
    #expect(model["properties"]?["temperature"]?["minimum"] == 0)
    #expect(model["properties"]?["temperature"]?["maximum"] == 2)
    #expect(model["properties"]?["temperature"]?["default"] == 0.2)
    #expect(model["properties"]?["max_tokens"]?["minimum"] == 1)
    #expect(model["properties"]?["max_tokens"]?["default"] == 1024)
    let schedule = try #require(schema["properties"]?["schedule"])
    #expect(schedule["required"] == ["run_every_n_ticks"])
    #expect(schedule["properties"]?["run_every_n_ticks"]?["type"] == "integer")
    #expect(schedule["properties"]?["phase_offset"]?["type"] == ["integer", "null"])
    #expect(schema["properties"]?["permissions"]?["type"] == ["object", "null"])
    #expect(
        schema["properties"]?["permissions"]?["properties"]?["read_outboxes"]?["items"]?["pattern"]
            == "^(\\*|[a-z][a-z0-9_]{0,63})$")
    #expect(schema["additionalProperties"] == true)
}

// MARK: - Agreement with a real JSON Schema validator

/// Resumes whose validity depends only on type, range, length, pattern and required rules.
private let agreementCases: [(String, JSONObject)] = [
    ("base", baseResume),
    ("temperature 2", resume(setting: "model.temperature", to: 2)),
    ("temperature 0", resume(setting: "model.temperature", to: 0)),
    ("max_tokens 1", resume(setting: "model.max_tokens", to: 1)),
    ("integral double", resume(setting: "schedule.run_every_n_ticks", to: 3.0)),
    ("negative offset", resume(setting: "schedule.phase_offset", to: -5)),
    ("wildcard", resume(setting: "permissions.read_outboxes", to: ["*", "planner"])),
    ("unknown field", resume(setting: "hobby", to: "chess")),
    ("unknown nested field", resume(setting: "model.top_p", to: 1)),
    ("200 chars", resume(setting: "short_description", to: .string(String(repeating: "é", count: 200)))),
    ("all optional", resume(setting: "credits", to: ["max_credits": 10, "soft_cap": 1])),
    ("null department", resume(setting: "department", to: .null)),
    ("null temperature", resume(setting: "model.temperature", to: .null)),
    ("null permissions", resume(setting: "permissions", to: .null)),
    ("null name", resume(setting: "name", to: .null)),
    ("null model", resume(setting: "model", to: .null)),
    ("null every", resume(setting: "schedule.run_every_n_ticks", to: .null)),
    ("null tool", resume(setting: "permissions.tools", to: [.null])),
    ("bad name", resume(setting: "name", to: "Coder")),
    ("long name", resume(setting: "name", to: .string(String(repeating: "c", count: 65)))),
    ("name type", resume(setting: "name", to: 1)),
    ("no name", resume(setting: "name", to: nil)),
    ("no title", resume(setting: "title", to: nil)),
    ("empty title", resume(setting: "title", to: "")),
    ("201 chars", resume(setting: "short_description", to: .string(String(repeating: "é", count: 201)))),
    ("no model", resume(setting: "model", to: nil)),
    ("model string", resume(setting: "model", to: "sim")),
    ("no model key", resume(setting: "model.key", to: nil)),
    ("hot", resume(setting: "model.temperature", to: 2.01)),
    ("cold", resume(setting: "model.temperature", to: -1)),
    ("temperature string", resume(setting: "model.temperature", to: "0.5")),
    ("temperature bool", resume(setting: "model.temperature", to: true)),
    ("max_tokens 0", resume(setting: "model.max_tokens", to: 0)),
    ("max_tokens fraction", resume(setting: "model.max_tokens", to: 2.5)),
    ("every 0", resume(setting: "schedule.run_every_n_ticks", to: 0)),
    ("no every", resume(setting: "schedule.run_every_n_ticks", to: nil)),
    ("offset string", resume(setting: "schedule.phase_offset", to: "1")),
    ("read pattern", resume(setting: "permissions.read_outboxes", to: ["a b"])),
    ("read type", resume(setting: "permissions.read_outboxes", to: [1])),
    ("read not list", resume(setting: "permissions.read_outboxes", to: "planner")),
    ("tool pattern", resume(setting: "permissions.tools", to: ["Tool"])),
    ("create_agents type", resume(setting: "permissions.create_agents", to: "no")),
    ("negative credits", resume(setting: "credits.max_credits", to: -0.5)),
    ("enabled type", resume(setting: "enabled", to: 0)),
    ("tags type", resume(setting: "tags", to: [true])),
]

@Test func pythonJSONSchemaAgreesWithTheValidatorOnValidity() throws {
    let documents = agreementCases.map { JSONValue.object($0.1) }
    guard let verdicts = try jsonSchemaVerdicts(schema: ResumeSchema.document, documents: documents) else { return }
    let validator = ResumeValidator(context: ResumeValidator.Context(modelKeys: nil))
    for ((label, document), verdict) in zip(agreementCases, verdicts) {
        let isValid = validator.validate(document, file: resumeFile).errors.isEmpty
        #expect(verdict == isValid, "\(label): jsonschema says \(verdict), validator says \(isValid)")
    }
    // The table covers both outcomes.
    #expect(verdicts.contains(true) && verdicts.contains(false))
}
