import Foundation
import LemmingJSON
import Testing

@testable import LemmingCore

/// Whether a property schema describes an object (`"object"` or `["object", "null"]`).
func isObjectSchema(_ schema: JSONObject) -> Bool {
    schema["type"] == "object" || schema["type"]?.arrayValue?.contains("object") == true
}

/// Every property of an object schema, as dotted paths, with its schema.
func schemaProperties(of schema: JSONObject, prefix: [String] = []) -> [(path: String, schema: JSONObject)] {
    var result: [(path: String, schema: JSONObject)] = []
    for (key, value) in schema["properties"]?.objectValue ?? JSONObject() {
        let path = prefix + [key]
        let child = value.objectValue ?? JSONObject()
        result.append((path.joined(separator: "."), child))
        if isObjectSchema(child) { result += schemaProperties(of: child, prefix: path) }
    }
    return result
}

private let checkScript = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        print("NO_JSONSCHEMA")
        sys.exit(3)
    schema = json.load(open(sys.argv[1]))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    for path in sys.argv[2:]:
        print("valid" if validator.is_valid(json.load(open(path))) else "invalid")
    """

/// Whether Python's `jsonschema` (an independent validator) finds each document valid under
/// `schema`, after checking the schema itself against its metaschema.
///
/// - Returns: one verdict per document, or `nil` after recording why python3 could not answer.
func jsonSchemaVerdicts(schema: JSONValue, documents: [JSONValue]) throws -> [Bool]? {
    let directory = try makeScratchDirectory()
    defer { try? FileSystem.removeTree(directory) }
    let schemaPath = directory + "/schema.json"
    try FileSystem.writeAtomically(JSONWriter().bytes(schema), to: schemaPath)
    var paths: [String] = []
    for (position, document) in documents.enumerated() {
        let path = directory + "/case\(position).json"
        try FileSystem.writeAtomically(JSONWriter().bytes(document), to: path)
        paths.append(path)
    }
    let scriptPath = directory + "/check.py"
    try FileSystem.writeAtomically(Array(checkScript.utf8), to: scriptPath)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", scriptPath, schemaPath] + paths
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let lines = String(decoding: outputData, as: UTF8.self).split(separator: "\n").map(String.init)
    guard process.terminationStatus == 0 else {
        if lines.first == "NO_JSONSCHEMA" {
            Issue.record("python3 cannot import jsonschema; install it with `pip install jsonschema`")
        } else {
            Issue.record("python3 failed (\(process.terminationStatus)): \(String(decoding: errorData, as: UTF8.self))")
        }
        return nil
    }
    try #require(lines.count == documents.count)
    return lines.map { $0 == "valid" }
}
