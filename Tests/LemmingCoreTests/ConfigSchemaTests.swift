import LemmingJSON
import Testing

@testable import LemmingCore

/// A custom tool with every field set, none to its default.
private let fullTool: JSONObject = [
    "name": "lookup", "description": "Looks up.", "command": ["tools/lookup.py", "-v"],
    "schema": ["type": "object", "properties": ["q": ["type": "string"]]], "timeout_seconds": 2,
    "max_output_bytes": 100, "requires_approval": true, "sandbox": "none", "network": true, "exec": ["jq"],
]

/// Reads `document` as `lemming.json` of the folder `folder`.
func readConfig(_ document: JSONObject) -> (OrgConfig, [ValidationIssue]) {
    OrgConfig.parse(JSONWriter().bytes(.object(document)), defaultName: "folder")
}

@Test func configSchemaListsEverySettingOfTheTable() throws {
    let schema = try #require(ConfigSchema.document.objectValue)
    #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
    #expect(schema["type"] == "object")
    let listed = schemaProperties(of: schema)
    #expect(listed.map(\.path) == OrgSettings.table.settings.map(\.dottedPath))
    let defaults = OrgSettings.defaults
    for (path, fieldSchema) in listed {
        let setting = try #require(OrgSettings.table.settings.first { $0.dottedPath == path })
        #expect(fieldSchema["type"] == [.string(setting.kind.schemaType), "null"], "\(path)")
        #expect(fieldSchema["description"] == .string(setting.description), "\(path)")
        #expect(fieldSchema["minimum"]?.doubleValue == setting.minimum, "\(path)")
        #expect(fieldSchema["maximum"]?.doubleValue == setting.maximum, "\(path)")
        let expectedDefault = setting.defaultNote == nil ? setting.value?(defaults) : nil
        #expect(fieldSchema["default"] == expectedDefault, "\(path)")
        if setting.kind == .section { #expect(fieldSchema["additionalProperties"] == true, "\(path)") }
    }
    let items = try #require(schema["properties"]?["tools"]?["properties"]?["custom"]?["items"]?.objectValue)
    #expect(schemaProperties(of: items).map(\.path) == OrgSettings.customTool.settings.map(\.dottedPath))
    #expect(items["required"] == ["name", "command"])
    #expect(items["additionalProperties"] == true)
}

@Test func configSchemaStatesTheDefaultsAndBoundsOfTheStructs() throws {
    let schema = ConfigSchema.document
    let top = try #require(schema["properties"])
    #expect(top["format"]?["default"] == 1 && top["format"]?["minimum"] == 1 && top["format"]?["maximum"] == 1)
    #expect(top["name"]?["type"] == ["string", "null"] && top["name"]?["default"] == nil)
    #expect(top["tick_period_seconds"]?["default"]?.doubleValue == 10)
    #expect(top["max_ticks"]?["default"] == .null)
    #expect(top["execution"]?["enum"] == ["parallel", "sequential", .null])
    #expect(top["execution"]?["default"] == "parallel")
    let maxEntries = top["inbox"]?["properties"]?["max_entries"]
    #expect(maxEntries?["default"] == 20 && maxEntries?["minimum"] == 1 && maxEntries?["maximum"] == 10_000)
    #expect(top["limits"]?["properties"]?["max_unusable_in_a_row"]?["default"] == 3)
    let shell = top["tools"]?["properties"]?["shell"]?["properties"]
    #expect(shell?["allow"]?["default"] == .strings(ToolSettings.Shell.defaultAllow))
    #expect(shell?["allow"]?["items"]?["type"] == "string")
    #expect(shell?["timeout_seconds"]?["minimum"] == 0.001 && shell?["timeout_seconds"]?["maximum"] == 3_600)
    #expect(shell?["sandbox"]?["enum"] == ["kernel", "none", .null] && shell?["sandbox"]?["default"] == "kernel")
    let custom = top["tools"]?["properties"]?["custom"]
    #expect(custom?["default"] == [] && custom?["items"]?["properties"]?["max_output_bytes"]?["default"] == 65_536)
    #expect(custom?["items"]?["properties"]?["name"]?["type"] == "string")
    let server = top["server"]?["properties"]
    #expect(server?["port"]?["default"] == 7_777 && server?["api_key_env"]?["default"] == ["LEMMING_API_KEY"])
    #expect(server?["rate_limits"]?["properties"]?["writes_per_minute"]?["default"] == 120)
    #expect(schema["additionalProperties"] == true)
}

/// Every key of an object, nested objects and the objects of arrays included, as dotted paths.
private func keyPaths(of object: JSONObject, prefix: String = "") -> [String] {
    var paths: [String] = []
    for (key, value) in object {
        let path = prefix.isEmpty ? key : prefix + "." + key
        paths.append(path)
        if let child = value.objectValue, key != "schema" { paths += keyPaths(of: child, prefix: path) }
        if let first = value.arrayValue?.first?.objectValue { paths += keyPaths(of: first, prefix: path) }
    }
    return paths
}

@Test func theParserReadsEveryKeyOfTheSchemaAndWarnsAboutAnyOther() throws {
    var config = OrgConfig(name: "acme")
    config.tools.custom = readConfig(["tools": ["custom": [.object(fullTool)]]]).0.tools.custom
    try #require(config.tools.custom.count == 1)
    var document = OrgSettings.table.document(of: config)
    document["description"] = "Writes the glossary."  // kept for people: no property holds it
    // The document holds every key the schema lists (the custom tool's under `tools.custom`).
    let schema = try #require(ConfigSchema.document.objectValue)
    let items = try #require(schema["properties"]?["tools"]?["properties"]?["custom"]?["items"]?.objectValue)
    let listed =
        schemaProperties(of: schema).map(\.path) + schemaProperties(of: items).map { "tools.custom." + $0.path }
    #expect(Set(keyPaths(of: document)) == Set(listed))

    let (parsed, issues) = readConfig(document)
    #expect(issues.isEmpty, "\(issues)")
    var expected = config
    expected.document = document
    #expect(parsed == expected)

    // Any other key, at any level, is an unknown field.
    for object in ["", "inbox", "tools", "tools.shell", "server", "server.rate_limits"] {
        let path = object.isEmpty ? "colour" : object + ".colour"
        let (_, issues) = readConfig(resume(document, setting: path, to: "red"))
        #expect(issues.map(\.field) == [path] && issues.first?.rule == "unknown_field", "\(issues)")
    }
    var tool = fullTool
    tool["colour"] = "red"
    let (_, toolIssues) = readConfig(["tools": ["custom": [.object(tool)]]])
    #expect(toolIssues.map(\.field) == ["tools.custom[0].colour"])
}
