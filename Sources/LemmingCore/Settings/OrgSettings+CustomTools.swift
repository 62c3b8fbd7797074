import LemmingJSON

/// `tools.custom`: executables declared as tools, each object read by a table of its own.
extension OrgSettings {
    /// The `tools.custom` row: an array of tool objects. A tool with any error is left out.
    static var customTools: Setting<OrgConfig> {
        var setting = Setting<OrgConfig>(
            "tools.custom", .objects, "Executables declared as tools, one object each (README: Custom tools).")
        setting.schemaExtras["items"] = .object(customTool.objectSchema(defaults: ToolSettings.Custom()))
        setting.value = { .array($0.tools.custom.map { .object(customTool.document(of: $0)) }) }
        setting.read = { input, root, issues in
            guard let value = input.value, !value.isNull else { return }
            guard let elements = value.arrayValue else {
                issues.error(input.field, "type", "must be an array of tool objects (got \(value.typeDescription))")
                return
            }
            var names = Set(ToolSettings.builtinNames)
            for (position, element) in elements.enumerated() {
                let prefix = "\(input.field)[\(position)]"
                guard let object = element.objectValue else {
                    issues.error(prefix, "type", "must be an object (got \(element.typeDescription))")
                    continue
                }
                let errorsBefore = issues.issues.filter(\.isError).count
                var tool = ToolSettings.Custom()
                customTool.read(object, prefix: prefix, into: &tool, issues: &issues)
                if Names.isValidToolName(tool.name), names.contains(tool.name) {
                    issues.error(prefix + ".name", "duplicate", "a tool named '\(tool.name)' already exists")
                }
                if issues.issues.filter(\.isError).count == errorsBefore {
                    root.tools.custom.append(tool)
                    names.insert(tool.name)
                }
            }
        }
        return setting
    }

    /// The fields of one custom tool; defaults are those of a default-made ``ToolSettings/Custom``.
    static let customTool = SettingsTable<ToolSettings.Custom>([
        name,
        .string("description", \.description, "What the tool does, shown to agents."),
        command,
        schema,
        .number(
            "timeout_seconds", \.timeoutSeconds, minimum: 0.001, maximum: 3_600,
            "Seconds the program may run; then its process group is stopped."),
        .integer(
            "max_output_bytes", \.maxOutputBytes, in: 1...67_108_864,
            "The most bytes of output read; more is a failed call."),
        .boolean("requires_approval", \.requiresApproval, "Whether its calls wait for the human's approval."),
        .choice(
            "sandbox", \.sandbox, rule: "value",
            "\"kernel\" runs the program in the kernel sandbox; \"none\" runs it unconfined."),
        .boolean("network", \.allowsNetwork, "Whether the program may use TCP and UDP."),
        .strings(
            "exec", \.exec, pattern: "^[^\\u0000]+$",
            "Other programs it may run (names on `PATH` or absolute paths); by default only itself."
        ) { program, field, _, issues in
            guard !program.isEmpty, !program.contains("\0") else {
                issues.error(field, "program", "must be a program name or an absolute path")
                return nil
            }
            return program
        },
    ])

    private static var name: Setting<ToolSettings.Custom> {
        var setting = Setting<ToolSettings.Custom>.string(
            "name", \.name, pattern: "^[a-z][a-z0-9_-]{0,63}$", "The tool's name, unique among all tools.")
        setting.isNullable = false
        setting.isRequired = true
        setting.schemaExtras["not"] = ["enum": .strings(ToolSettings.builtinNames)]
        setting.read = { input, root, issues in
            root.name = issues.optionalString(input.parent, input.key, prefix: input.prefix) ?? ""
            if !Names.isValidToolName(root.name) {
                issues.error(
                    input.field, "name", "must be lowercase letters, digits, '_' or '-', starting with a letter")
            }
        }
        return setting
    }

    private static var command: Setting<ToolSettings.Custom> {
        var setting = Setting<ToolSettings.Custom>.strings(
            "command", \.command,
            "Program and arguments; a program with a `/` is relative to the org folder, others are looked up "
                + "on `PATH`.")
        setting.isNullable = false
        setting.isRequired = true
        setting.schemaExtras["minItems"] = 1
        setting.schemaExtras["prefixItems"] = [["type": "string", "minLength": 1]]
        setting.read = { input, root, issues in
            root.command = issues.optionalStrings(input.parent, input.key, prefix: input.prefix) ?? []
            if root.command.first?.isEmpty ?? true {
                issues.error(input.field, "required", "must be a non-empty array: program and arguments")
            }
        }
        return setting
    }

    private static var schema: Setting<ToolSettings.Custom> {
        var setting = Setting<ToolSettings.Custom>("schema", .object, "JSON Schema of the arguments.")
        setting.isNullable = false
        setting.value = { $0.schema }
        setting.read = { input, root, issues in
            guard let value = input.value else { return }
            root.schema = value
            if value.objectValue == nil {
                issues.error(input.field, "type", "must be a JSON Schema object (got \(value.typeDescription))")
            }
        }
        return setting
    }
}
