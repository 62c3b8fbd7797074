import LemmingJSON
import Testing

@testable import LemmingCore

/// A document of `lemming.json`, whether it is valid, and why it is a case.
private struct Case {
    var label: String
    var document: JSONObject
    var isValid: Bool
}

/// A custom tool with only its required fields.
private let minimalTool: JSONObject = ["name": "lookup", "command": ["tools/lookup.py"]]

/// Values of one setting that both the schema and the reader must accept (`true`) or refuse.
private func samples<Root>(of setting: Setting<Root>, defaults: Root) -> [(JSONValue, Bool)] {
    var samples: [(JSONValue, Bool)] = [
        (.null, setting.isNullable),
        // An object of any members, unless its members have a schema of their own (`mcp.servers`).
        (
            ["x": 1],
            setting.kind == .section || (setting.kind == .object && setting.schemaExtras["additionalProperties"] == nil)
        ),
    ]
    switch setting.kind {
    case .integer:
        samples += [(1.5, false), ("1", false), (true, false)]
        if let minimum = setting.minimum.map({ Int($0) }) {
            samples += [(.int(minimum), true), (.double(Double(minimum)), true), (.int(minimum - 1), false)]
        }
        if let maximum = setting.maximum.map({ Int($0) }) {
            samples += [(.int(maximum), true), (.int(maximum + 1), false)]
        }
    case .number:
        samples += [("1", false), (false, false)]
        if let minimum = setting.minimum {
            samples += [(.double(minimum), true), (.double(minimum - 0.5), false)]
            if minimum > 0 { samples.append((0, false)) }
        }
        if let maximum = setting.maximum { samples += [(.double(maximum), true), (.double(maximum + 0.5), false)] }
    case .string:
        samples += [(5, false), (["a"], false)]
        samples += setting.choices.map { (.string($0), true) } + [("bogus", setting.choices.isEmpty)]
    case .boolean:
        samples += [(true, true), (false, true), ("yes", false), (1, false)]
    case .strings:
        samples += [("ls", false), ([1], false), ([.null], false), (.array([]), !setting.isRequired)]
        if let value = setting.value?(defaults), value != .array([]) { samples.append((value, true)) }
    case .section:
        samples += [([:], true), (5, false), (.array([]), false)]
    case .objects:
        samples += [(.array([]), true), ([:], false), ([5], false), ([.object(minimalTool)], true)]
    case .object:
        samples += [([:], true), ("{}", false), (.array([]), false)]
    }
    return samples
}

/// Cases made from the table: each setting set to each of its samples.
private func tableCases() -> [Case] {
    var cases: [Case] = []
    for setting in OrgSettings.table.settings {
        for (value, isValid) in samples(of: setting, defaults: OrgSettings.defaults) {
            let document = resume([:], setting: setting.dottedPath, to: value)
            cases.append(Case(label: "\(setting.dottedPath) = \(value)", document: document, isValid: isValid))
        }
    }
    for setting in OrgSettings.customTool.settings {
        for (value, isValid) in samples(of: setting, defaults: ToolSettings.Custom()) {
            var tool = minimalTool
            tool[setting.key] = value
            let document: JSONObject = ["tools": ["custom": [.object(tool)]]]
            cases.append(Case(label: "tools.custom[0].\(setting.key) = \(value)", document: document, isValid: isValid))
        }
    }
    return cases
}

/// Cases for the rules the table states as patterns, or checks in code of their own.
private let ruleCases: [(String, JSONValue, Bool)] = [
    ("format", 2, false),
    ("tools.shell.allow", ["sh", "wc"], true),
    ("tools.shell.allow", ["/bin/ls"], false),
    ("tools.shell.allow", [""], false),
    ("tools.http.allow_hosts", ["example.com", "*.Example.org", "127.0.0.1:8080", "a"], true),
    ("tools.http.allow_hosts", ["http://example.com"], false),
    ("tools.http.allow_hosts", ["example.com:0"], false),
    ("tools.http.allow_hosts", ["example.com:65536"], false),
    ("tools.http.allow_hosts", ["example.com."], false),
    ("tools.http.allow_hosts", ["*.*.example.com"], false),
    ("tools.require_approval", ["shell", "file_write"], true),
    ("server.host", "0.0.0.0", true),
    ("server.host", "", false),
    ("server.host", "a b", false),
    ("server.api_key_env", ["MY_KEY_2"], true),
    ("server.api_key_env", ["sk-abc123"], false),
    ("server.cors_origins", ["http://localhost:3000", "https://example.com"], true),
    ("server.cors_origins", ["*"], false),
    ("server.cors_origins", ["https://example.com/"], false),
    ("server.cors_origins", ["example.com"], false),
    ("server.allowed_hosts", ["Lemming.internal"], true),
    ("server.allowed_hosts", ["lemming.internal:80"], false),
    ("server.allowed_hosts", ["lemming.intérnal"], false),
    ("tools.custom", [["name": "file_read", "command": ["x"]]], false),
    ("tools.custom", [["name": "Bad Name", "command": ["x"]]], false),
    ("tools.custom", [["command": ["x"]]], false),
    ("tools.custom", [["name": "lookup", "command": [""]]], false),
    ("tools.custom", [["name": "lookup"]], false),
    ("tools.custom", [["name": "lookup", "command": ["x"], "exec": ["jq", "/usr/bin/sed"]]], true),
    ("tools.custom", [["name": "lookup", "command": ["x"], "exec": [""]]], false),
    ("mcp.servers", ["time": ["command": ["mcp-server-time"]]], true),
    ("mcp.servers", ["docs": ["url": "https://mcp.example.com/mcp", "headers_env": ["Authorization": "TOKEN"]]], true),
    ("mcp.servers", ["Time": ["command": ["x"]]], false),
    ("mcp.servers", ["time": [:]], false),
    ("mcp.servers", ["time": ["command": ["x"], "url": "http://127.0.0.1/mcp"]], false),
    ("mcp.servers", ["time": ["url": "ftp://example.com"]], false),
    ("mcp.servers", ["time": ["url": "https://me:secret@example.com/mcp"]], false),
    ("mcp.servers", ["time": ["command": ["x"], "headers_env": ["Authorization": "not a name"]]], false),
    ("mcp.servers", ["time": ["command": ["x"], "pass_env": ["BAD-NAME"]]], false),
    ("mcp.servers", ["time": ["command": ["x"], "env": ["TZ": 1]]], false),
    ("mcp.servers", ["time": ["command": ["x"], "env": ["TZ": "UTC"], "pass_env": ["HOME"]]], true),
    ("mcp.servers", ["time": ["command": ["x"], "timeout_seconds": 0]], false),
    ("mcp.servers", ["time": ["command": ["x"], "sandbox": "none", "network": true]], true),
    ("a2a.expose", ["manager"], true),
    ("a2a.expose", ["Manager"], false),
    ("a2a.agents", ["oracle": ["url": "https://a.example/agent"]], true),
    (
        "a2a.agents",
        [
            "oracle": [
                "url": "http://127.0.0.1:9", "headers_env": ["Authorization": "ORACLE_AUTH"], "timeout_seconds": 5,
                "max_output_bytes": 100, "requires_approval": true,
            ]
        ], true
    ),
    ("a2a.agents", ["oracle": [:]], false),
    ("a2a.agents", ["oracle": ["url": "ftp://a.example"]], false),
    ("a2a.agents", ["Oracle": ["url": "https://a.example"]], false),
    ("a2a.agents", ["oracle": ["url": "https://a.example", "headers_env": ["Authorization": "Bearer x"]]], false),
    ("a2a.agents", ["oracle": ["url": "https://a.example", "timeout_seconds": 0]], false),
]

@Test func pythonJSONSchemaAndTheReaderAgreeOnEverySetting() throws {
    var cases = tableCases()
    for (path, value, isValid) in ruleCases {
        cases.append(
            Case(label: "\(path) = \(value)", document: resume([:], setting: path, to: value), isValid: isValid))
    }
    let defaults = OrgSettings.table.document(of: OrgConfig(name: "acme"))
    cases.append(Case(label: "every default", document: defaults, isValid: true))
    cases.append(Case(label: "empty", document: [:], isValid: true))

    let documents = cases.map { JSONValue.object($0.document) }
    guard let verdicts = try jsonSchemaVerdicts(schema: ConfigSchema.document, documents: documents) else { return }
    for (testCase, verdict) in zip(cases, verdicts) {
        let issues = readConfig(testCase.document).1
        let isValid = !issues.contains(where: \.isError)
        #expect(isValid == testCase.isValid, "\(testCase.label): the reader says \(isValid): \(issues)")
        #expect(verdict == testCase.isValid, "\(testCase.label): jsonschema says \(verdict)")
    }
    #expect(cases.count > 300)
}
