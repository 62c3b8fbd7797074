import LemmingJSON

/// The endpoint reference of `docs/api.md`, rendered from the OpenAPI document so that the page
/// cannot drift from the server (issue 17; a test compares them).
///
/// One section per tag, in the order the routes are declared; per operation its method and path,
/// summary, who may call it, parameters, request body schema and answers.
enum OpenAPIMarkdown {
    static func render(_ document: JSONValue) -> String {
        var operations: [(tag: String, method: String, path: String, operation: JSONObject)] = []
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                guard let operation = operation.objectValue else { continue }
                let tag = operation["tags"]?.arrayValue?.first?.stringValue ?? "other"
                operations.append((tag, method.uppercased(), path, operation))
            }
        }
        var tags: [String] = []
        for operation in operations where !tags.contains(operation.tag) { tags.append(operation.tag) }
        var lines: [String] = []
        for tag in tags {
            lines += ["", "### \(tag)"]
            for entry in operations where entry.tag == tag {
                lines += section(method: entry.method, path: entry.path, operation: entry.operation)
            }
        }
        return lines.dropFirst().joined(separator: "\n") + "\n"
    }

    private static func section(method: String, path: String, operation: JSONObject) -> [String] {
        var lines = ["", "#### `\(method) \(path)`", ""]
        lines.append(operation["summary"]?.stringValue ?? "")
        lines += ["", "Access: \(access(operation))."]
        let parameters = operation["parameters"]?.arrayValue ?? []
        if !parameters.isEmpty {
            lines += ["", "| parameter | in | type | description |", "|---|---|---|---|"]
            for parameter in parameters {
                let name = parameter["name"]?.stringValue ?? ""
                let location = parameter["in"]?.stringValue ?? ""
                let type = parameter["schema"]?["type"]?.stringValue ?? ""
                let required = parameter["required"]?.boolValue == true ? " (required)" : ""
                let description = (parameter["description"]?.stringValue ?? "").replacingBars()
                lines.append("| `\(name)`\(required) | \(location) | \(type) | \(description) |")
            }
        }
        if let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"] {
            lines += ["", "Body (`application/json`), its JSON Schema:", "", "```json"]
            lines.append(JSONWriter(style: .pretty).string(schema))
            lines.append("```")
        }
        let answers = (operation["responses"]?.objectValue ?? [:]).map { status, response in
            "`\(status)` \(response["description"]?.stringValue ?? "")"
        }
        lines += ["", "Answers: " + answers.joined(separator: "; ") + "."]
        return lines
    }

    /// Who may call the operation, from its `security` (absent: open to anyone).
    private static func access(_ operation: JSONObject) -> String {
        guard operation["security"] != nil else { return "open (no key)" }
        let changes = operation["parameters"]?.arrayValue?.contains {
            $0["name"]?.stringValue == SessionTokens.csrfHeaderName
        }
        return changes == true
            ? "a change: a key (or the session cookie and its CSRF token) unless the server is on loopback with no key"
            : "a read: a key (or the session cookie) when the server is bound beyond loopback"
    }
}

extension String {
    /// The text with `|` escaped, for a markdown table cell.
    fileprivate func replacingBars() -> String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
