import LemmingJSON
import Testing

@testable import LemmingCore

/// A valid resume of the agent `coder`.
let baseResume: JSONObject = [
    "name": "coder", "title": "Coder", "short_description": "Writes code.", "instructions": "Write code.",
    "model": ["key": "sim"], "schedule": ["run_every_n_ticks": 2],
]

let resumeFile = "agents/coder/resume.json"

private let fullContext = ResumeValidator.Context(
    folderName: "coder", modelKeys: ["sim", "big"], knownTools: ["file_read", "file_write"],
    knownAgents: ["coder", "planner"])

/// `document` with the value at a dotted path replaced (`nil` removes it); parents are created.
func resume(_ document: JSONObject = baseResume, setting path: String, to value: JSONValue?) -> JSONObject {
    func set(_ object: JSONObject, _ keys: ArraySlice<Substring>) -> JSONObject {
        var object = object
        guard let first = keys.first.map(String.init) else { return object }
        if keys.count == 1 {
            object[first] = value
        } else {
            object[first] = .object(set(object[first]?.objectValue ?? JSONObject(), keys.dropFirst()))
        }
        return object
    }
    return set(document, path.split(separator: ".")[...])
}

private func validate(
    _ document: JSONObject, context: ResumeValidator.Context = fullContext
) -> ResumeValidator.Result {
    ResumeValidator(context: context).validate(document, file: resumeFile)
}

@Test func validResumeHasNoIssuesAndGetsDefaults() throws {
    let result = validate(baseResume)
    #expect(result.issues.isEmpty)
    let resume = try #require(result.resume)
    #expect(resume.name == "coder")
    #expect(resume.workflowDescription == "")
    #expect(resume.model == Resume.Model(key: "sim", temperature: 0.2, maxTokens: 1024))
    #expect(resume.permissions == Resume.Permissions(readOutboxes: [], tools: [], createAgents: false))
    #expect(resume.schedule == Schedule(runEveryNTicks: 2, phaseOffset: 0, skipWhenIdle: false))
    #expect(resume.credits == Resume.Credits(maxCredits: 1000, softCap: 100))
    #expect(resume.isEnabled)
    #expect(resume.department == nil)
    #expect(resume.tags == [])
    #expect(resume.document == baseResume)
}

@Test func everyFieldIsRead() throws {
    let document = try jsonObject(
        #"""
        {"name": "coder", "title": "Coder", "short_description": "Writes code.", "workflow_description": "w",
         "instructions": "i", "model": {"key": "big", "temperature": 1, "max_tokens": 50},
         "permissions": {"read_outboxes": ["planner", "human"], "tools": ["file_read"], "create_agents": true},
         "schedule": {"run_every_n_ticks": 3, "phase_offset": -7, "skip_when_idle": true},
         "credits": {"max_credits": 50, "soft_cap": 7.5}, "enabled": false, "department": "eng", "tags": ["a"]}
        """#)
    let result = validate(document)
    #expect(result.issues.isEmpty)
    let resume = try #require(result.resume)
    #expect(resume.workflowDescription == "w")
    #expect(resume.model == Resume.Model(key: "big", temperature: 1, maxTokens: 50))
    #expect(
        resume.permissions
            == Resume.Permissions(readOutboxes: ["planner", "human"], tools: ["file_read"], createAgents: true))
    #expect(resume.schedule == Schedule(runEveryNTicks: 3, phaseOffset: -7, skipWhenIdle: true))
    #expect(resume.credits == Resume.Credits(maxCredits: 50, softCap: 7.5))
    #expect(!resume.isEnabled)
    #expect(resume.department == "eng")
    #expect(resume.tags == ["a"])
}

@Test func softCapDefaultsToTenPercentOfMaxCredits() throws {
    let resume = try #require(validate(resume(setting: "credits.max_credits", to: 250)).resume)
    #expect(resume.credits == Resume.Credits(maxCredits: 250, softCap: 25))
}

/// One broken rule per row: the path, the value (`nil` removes the field), the field and rule reported.
private let brokenRules: [(String, JSONValue?, String, String)] = [
    ("name", "Coder", "name", "pattern"),
    ("name", "1coder", "name", "pattern"),
    ("name", "co-der", "name", "pattern"),
    ("name", .string(String(repeating: "c", count: 65)), "name", "pattern"),
    ("name", 5, "name", "type"),
    ("name", nil, "name", "required"),
    ("name", .null, "name", "required"),
    ("name", "planner", "name", "folder_name"),
    ("title", "", "title", "length"),
    ("title", nil, "title", "required"),
    ("title", ["x"], "title", "type"),
    ("short_description", "", "short_description", "length"),
    ("short_description", .string(String(repeating: "d", count: 201)), "short_description", "length"),
    ("short_description", nil, "short_description", "required"),
    ("instructions", nil, "instructions", "required"),
    ("instructions", "", "instructions", "length"),
    ("workflow_description", 3, "workflow_description", "type"),
    ("model", "sim", "model", "type"),
    ("model.key", nil, "model.key", "required"),
    ("model.key", "", "model.key", "length"),
    ("model.key", "nope", "model.key", "model_key"),
    ("model.temperature", 2.5, "model.temperature", "range"),
    ("model.temperature", -0.1, "model.temperature", "range"),
    ("model.temperature", "hot", "model.temperature", "type"),
    ("model.max_tokens", 0, "model.max_tokens", "range"),
    ("model.max_tokens", -5, "model.max_tokens", "range"),
    ("model.max_tokens", 1.5, "model.max_tokens", "type"),
    ("model.max_tokens", "10", "model.max_tokens", "type"),
    ("schedule", nil, "schedule", "required"),
    ("schedule.run_every_n_ticks", 0, "schedule.run_every_n_ticks", "range"),
    ("schedule.run_every_n_ticks", -3, "schedule.run_every_n_ticks", "range"),
    ("schedule.run_every_n_ticks", nil, "schedule.run_every_n_ticks", "required"),
    ("schedule.run_every_n_ticks", 1.5, "schedule.run_every_n_ticks", "type"),
    ("schedule.run_every_n_ticks", "2", "schedule.run_every_n_ticks", "type"),
    ("schedule.phase_offset", "x", "schedule.phase_offset", "type"),
    ("schedule.skip_when_idle", 1, "schedule.skip_when_idle", "type"),
    ("permissions", [], "permissions", "type"),
    ("permissions.read_outboxes", "planner", "permissions.read_outboxes", "type"),
    ("permissions.read_outboxes", ["planner", "Planner"], "permissions.read_outboxes[1]", "pattern"),
    ("permissions.read_outboxes", ["../x"], "permissions.read_outboxes[0]", "pattern"),
    ("permissions.read_outboxes", [5], "permissions.read_outboxes[0]", "type"),
    ("permissions.tools", ["Bad Tool"], "permissions.tools[0]", "pattern"),
    ("permissions.create_agents", "yes", "permissions.create_agents", "type"),
    ("credits.max_credits", -1, "credits.max_credits", "range"),
    ("credits.max_credits", "lots", "credits.max_credits", "type"),
    ("credits.soft_cap", -1, "credits.soft_cap", "range"),
    ("enabled", "true", "enabled", "type"),
    ("department", 5, "department", "type"),
    ("tags", [1], "tags[0]", "type"),
    ("tags", "a", "tags", "type"),
]

@Test(arguments: brokenRules)
func eachBrokenRuleIsOneErrorNamingFileFieldAndRule(
    path: String, value: JSONValue?, field: String, rule: String
)
    throws
{
    let result = validate(resume(setting: path, to: value))
    #expect(result.resume == nil)
    let errors = result.errors
    if path == "schedule" {
        // A missing required object also misses its required children.
        #expect(errors.map(\.field) == ["schedule", "schedule.run_every_n_ticks"])
    } else {
        #expect(errors.count == 1, "\(errors)")
    }
    let error = try #require(errors.first)
    #expect(error.file == resumeFile)
    #expect(error.field == field)
    #expect(error.rule == rule)
    #expect(!error.message.isEmpty)
    #expect(error.description == "\(resumeFile): \(field): \(error.message)")
}

@Test func humanIsAReservedName() throws {
    let context = ResumeValidator.Context(folderName: "human", modelKeys: ["sim"])
    let result = validate(resume(setting: "name", to: "human"), context: context)
    #expect(result.resume == nil)
    #expect(result.errors.map(\.rule) == ["reserved"])
    #expect(result.errors.map(\.field) == ["name"])
}

@Test func boundaryValuesAreAccepted() {
    let documents = [
        resume(setting: "model.temperature", to: 0), resume(setting: "model.temperature", to: 2),
        resume(setting: "model.max_tokens", to: 1), resume(setting: "schedule.run_every_n_ticks", to: 1),
        resume(setting: "schedule.run_every_n_ticks", to: 2.0), resume(setting: "credits.max_credits", to: 0),
        resume(setting: "short_description", to: .string(String(repeating: "😀", count: 200))),
        resume(setting: "name", to: .string("c" + String(repeating: "0", count: 63))),
        resume(setting: "schedule.phase_offset", to: .int(Int.min)),
    ]
    for document in documents {
        let context = ResumeValidator.Context(modelKeys: ["sim"])
        #expect(validate(document, context: context).errors.isEmpty, "\(JSONValue.object(document).compactText)")
    }
}

@Test func everyBrokenRuleIsReportedAtOnce() {
    var document = resume(setting: "name", to: "Bad")
    document = resume(document, setting: "model.temperature", to: 9)
    document = resume(document, setting: "schedule.run_every_n_ticks", to: 0)
    document = resume(document, setting: "title", to: nil)
    let result = validate(document)
    #expect(Set(result.errors.map(\.field)) == ["name", "model.temperature", "schedule.run_every_n_ticks", "title"])
    #expect(result.errors.count == 4)
}

@Test func optionalFieldsSetToNullTakeTheirDefaults() throws {
    var document = resume(setting: "model.temperature", to: .null)
    document = resume(document, setting: "permissions", to: .null)
    document = resume(document, setting: "department", to: .null)
    let result = validate(document)
    #expect(result.issues.isEmpty)
    #expect(try #require(result.resume).model.temperature == 0.2)
}

// MARK: - Warnings

private let warningCases: [(String, JSONValue, String, String)] = [
    ("hobby", "chess", "hobby", "unknown_field"),
    ("model.top_p", 0.9, "model.top_p", "unknown_field"),
    ("permissions.tools", ["file_read", "teleport"], "permissions.tools", "unknown_tool"),
    ("permissions.read_outboxes", ["ghost"], "permissions.read_outboxes", "unknown_agent"),
    ("permissions.read_outboxes", ["*", "planner"], "permissions.read_outboxes", "wildcard"),
    ("permissions.read_outboxes", ["coder"], "permissions.read_outboxes", "self"),
    ("credits.soft_cap", 5_000, "credits.soft_cap", "soft_cap"),
    ("credits", ["max_credits": 10, "soft_cap": 11], "credits.soft_cap", "soft_cap"),
]

@Test(arguments: warningCases)
func warningsDoNotDisableTheAgent(path: String, value: JSONValue, field: String, rule: String) throws {
    let result = validate(resume(setting: path, to: value))
    #expect(result.errors.isEmpty)
    #expect(result.resume != nil)
    #expect(result.warnings.map(\.field) == [field])
    #expect(result.warnings.map(\.rule) == [rule])
    #expect(result.warnings.allSatisfy { $0.severity == .warning && $0.file == resumeFile })
}

@Test func unknownFieldsAreKeptInTheDocument() throws {
    let document = resume(setting: "hobby", to: ["chess": true])
    let resume = try #require(validate(document).resume)
    #expect(resume.document["hobby"] == ["chess": true])
    #expect(resume.document.keys.last == "hobby")
}

@Test func humanAndWildcardAreNeverUnknownAgents() {
    let result = validate(resume(setting: "permissions.read_outboxes", to: ["human"]))
    #expect(result.issues.isEmpty)
    let wildcard = validate(resume(setting: "permissions.read_outboxes", to: ["*"]))
    #expect(wildcard.issues.isEmpty)
    #expect(wildcard.resume?.permissions.readsEveryone == true)
}

@Test func withoutContextCrossFileRulesAreSkipped() {
    var document = resume(setting: "model.key", to: "anything")
    document = resume(document, setting: "permissions.tools", to: ["teleport"])
    document = resume(document, setting: "permissions.read_outboxes", to: ["ghost"])
    document = resume(document, setting: "name", to: "other")
    let result = ResumeValidator().validate(document, file: resumeFile)
    #expect(result.issues.isEmpty)
    #expect(result.resume?.name == "other")
}

// MARK: - Bytes

@Test func invalidJSONIsOneError() {
    let result = ResumeValidator(context: fullContext).validate(bytes: Array("{\"name\": ".utf8), file: resumeFile)
    #expect(result.resume == nil)
    #expect(result.errors.map(\.rule) == ["json"])
    #expect(result.errors.map(\.field) == [""])
    #expect(result.errors.first?.description.hasPrefix("\(resumeFile): not valid JSON") == true)
}

@Test func nonObjectDocumentIsOneError() {
    let result = ResumeValidator(context: fullContext).validate(bytes: Array("[1]".utf8), file: resumeFile)
    #expect(result.errors.map(\.rule) == ["type"])
}

@Test func bytesAndDocumentGiveTheSameResult() throws {
    let bytes = JSONWriter().bytes(.object(baseResume))
    let fromBytes = ResumeValidator(context: fullContext).validate(bytes: bytes, file: resumeFile)
    #expect(fromBytes.resume == validate(baseResume).resume)
}
