import LemmingJSON

/// `mcp.servers`: MCP servers by name, each object read by a table of its own (DESIGN §7).
extension OrgSettings {
    static let mcp: [Setting<OrgConfig>] = [
        .section("mcp", "Model Context Protocol servers whose tools agents may call (README: MCP tools)."),
        mcpServers,
    ]

    /// The `mcp.servers` row: an object of server objects by name. A server with any error is left out.
    static var mcpServers: Setting<OrgConfig> {
        var setting = Setting<OrgConfig>(
            "mcp.servers", .object,
            "Servers by name; each one's tools are `mcp.<name>.<tool>`. Give `command` (stdio) or `url` (HTTP).")
        setting.schemaExtras["propertyNames"] = ["pattern": .string(serverNamePattern)]
        var server = mcpServer.objectSchema(defaults: MCPSettings.Server())
        server["oneOf"] = [["required": ["command"]], ["required": ["url"]]]
        setting.schemaExtras["additionalProperties"] = .object(server)
        setting.value = { config in
            var servers = JSONObject()
            for server in config.mcp.servers { servers[server.name] = .object(mcpServer.document(of: server)) }
            return .object(servers)
        }
        setting.read = { input, root, issues in
            guard let value = input.value, !value.isNull else { return }
            guard let members = value.objectValue else {
                issues.error(input.field, "type", "must be an object of servers by name (got \(value.typeDescription))")
                return
            }
            for (name, member) in members {
                let prefix = "\(input.field).\(name)"
                guard Names.isValidToolName(name) else {
                    issues.error(
                        prefix, "name",
                        "a server's name must be lowercase letters, digits, '_' or '-', "
                            + "starting with a letter")
                    continue
                }
                guard let object = member.objectValue else {
                    issues.error(prefix, "type", "must be an object (got \(member.typeDescription))")
                    continue
                }
                let errorsBefore = issues.issues.filter(\.isError).count
                var server = MCPSettings.Server()
                server.name = name
                mcpServer.read(object, prefix: prefix, into: &server, issues: &issues)
                switch (server.command.isEmpty, server.url == nil) {
                case (true, true):
                    issues.error(prefix, "required", "needs a `command` (stdio) or a `url` (streamable HTTP)")
                case (false, false):
                    issues.error(prefix, "transport", "has both `command` and `url`: give one")
                default:
                    break
                }
                if issues.issues.filter(\.isError).count == errorsBefore { root.mcp.servers.append(server) }
            }
            root.mcp.servers.sort { $0.name < $1.name }
        }
        return setting
    }

    static let serverNamePattern = "^[a-z][a-z0-9_-]{0,63}$"

    /// The fields of one server; defaults are those of a default-made ``MCPSettings/Server``.
    static let mcpServer = SettingsTable<MCPSettings.Server>([
        .strings(
            "command", \.command,
            "stdio: program and arguments; a program with a `/` is relative to the org folder, others are "
                + "looked up on `PATH`."
        ) { text, field, _, issues in
            guard !text.contains("\0") else {
                issues.error(field, "program", "must not contain NUL")
                return nil
            }
            return text
        },
        stringMap(
            "env", \.env, valuePattern: nil,
            "stdio: variables set in the program's environment, as written (no other variable of the engine's "
                + "reaches it but `PATH`)."),
        .strings(
            "pass_env", \.passEnv, pattern: environmentNamePattern,
            "stdio: names of variables copied from the engine's environment (an API key the server needs)."
        ) { text, field, _, issues in
            guard text.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil else {
                issues.error(field, "name", "'\(text)' is not an environment variable name")
                return nil
            }
            return text
        },
        url,
        stringMap(
            "headers_env", \.headersEnv, valuePattern: environmentNamePattern,
            "HTTP: header name → name of the environment variable holding its value (never written in files)."),
        .number(
            "timeout_seconds", \.timeoutSeconds, minimum: 0.001, maximum: 3_600,
            "Seconds one tool call may take; then it is cancelled and fails."),
        .number(
            "startup_timeout_seconds", \.startupTimeoutSeconds, minimum: 0.001, maximum: 600,
            "Seconds the server may take to start and list its tools."),
        .integer(
            "max_output_bytes", \.maxOutputBytes, in: 1...67_108_864,
            "The most bytes of a result shown to the agent; the rest is cut and marked truncated."),
        .boolean("requires_approval", \.requiresApproval, "Whether calls of its tools wait for the human's approval."),
        .choice(
            "sandbox", \.sandbox, rule: "value",
            "stdio: \"kernel\" runs the program in the kernel sandbox; \"none\" runs it unconfined."),
        .boolean("network", \.allowsNetwork, "stdio: whether the program may use TCP and UDP."),
        .strings(
            "exec", \.exec, pattern: "^[^\\u0000]+$",
            "stdio: other programs it may run (names on `PATH` or absolute paths); by default only itself."),
    ])

    static let environmentNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$"

    private static var url: Setting<MCPSettings.Server> {
        var setting = Setting<MCPSettings.Server>.optionalString(
            "url", \.url, pattern: "^https?://", "HTTP: the server's streamable HTTP endpoint.")
        setting.read = { input, root, issues in
            guard let text = issues.optionalString(input.parent, input.key, prefix: input.prefix) else { return }
            let lowered = text.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), text.count > 8,
                !text.contains(where: \.isWhitespace)
            else {
                issues.error(input.field, "url", "must be an http:// or https:// URL (got '\(text)')")
                return
            }
            root.url = text
        }
        return setting
    }

    /// An object of strings (`env`, `headers_env`); with `valuePattern`, values must be variable names.
    private static func stringMap(
        _ path: String, _ keyPath: any WritableKeyPath<MCPSettings.Server, [String: String]> & Sendable,
        valuePattern: String?, _ description: String
    ) -> Setting<MCPSettings.Server> {
        var setting = Setting<MCPSettings.Server>(path, .object, description)
        var values: JSONObject = ["type": "string"]
        if let valuePattern { values["pattern"] = .string(valuePattern) }
        setting.schemaExtras["additionalProperties"] = .object(values)
        setting.value = { server in
            var object = JSONObject()
            for key in server[keyPath: keyPath].keys.sorted() {
                object[key] = .string(server[keyPath: keyPath][key] ?? "")
            }
            return .object(object)
        }
        setting.read = { input, root, issues in
            guard let value = input.value, !value.isNull else { return }
            guard let object = value.objectValue else {
                issues.error(input.field, "type", "must be an object of strings (got \(value.typeDescription))")
                return
            }
            var map: [String: String] = [:]
            for (key, member) in object {
                guard let text = member.stringValue else {
                    issues.error("\(input.field).\(key)", "type", "must be a string (got \(member.typeDescription))")
                    continue
                }
                if valuePattern != nil, text.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) == nil {
                    issues.error("\(input.field).\(key)", "name", "'\(text)' is not an environment variable name")
                    continue
                }
                guard !key.isEmpty, !key.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "\0" }) else {
                    issues.error("\(input.field).\(key)", "name", "'\(key)' is not a valid name")
                    continue
                }
                map[key] = text
            }
            root[keyPath: keyPath] = map
        }
        return setting
    }
}
