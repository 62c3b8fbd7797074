import LemmingJSON

extension ReplyParser {
    // MARK: - Tool calls

    /// Reads one tool call: `{"tool": "name", "args": {…}}`.
    ///
    /// Also reads, each with a mild `tool_call_shape` or `args_shape` violation: `args` given as a JSON
    /// string holding an object (as OpenAI's function calling transports them), `arguments` for
    /// `args`, `name` for `tool`, and OpenAI's `{"type": "function", "function": {"name", "arguments"}}`.
    func parseToolCall(_ item: JSONValue, field: String, violations: inout [ContractViolation]) -> ToolCall? {
        guard var object = item.objectValue else {
            violations.append(
                ContractViolation(
                    "invalid_tool_call", field: field,
                    "must be an object (got \(item.typeDescription)); call not run"))
            return nil
        }
        if object["tool"] == nil, object["name"] == nil, let function = object["function"]?.objectValue {
            violations.append(
                ContractViolation(
                    "tool_call_shape", field: "\(field).function",
                    "read as {\"tool\": name, \"args\": arguments}; write that form"))
            object = function
        }
        var toolValue = object["tool"]
        if toolValue == nil, let name = object["name"] {
            violations.append(ContractViolation("tool_call_shape", field: "\(field).name", "read as \"tool\""))
            toolValue = name
        }
        guard let tool = toolValue?.stringValue, ResumeSpec.Pattern.toolName.matches(tool) else {
            let shown = toolValue.map { String($0.compactText.prefix(64)) } ?? "nothing"
            violations.append(
                ContractViolation(
                    "invalid_tool_call", field: "\(field).tool", "must be a tool name (got \(shown)); call not run"))
            return nil
        }
        var argsField = "\(field).args"
        var argsValue = object["args"]
        if argsValue == nil, let arguments = object["arguments"] {
            argsField = "\(field).arguments"
            argsValue = arguments
            violations.append(ContractViolation("tool_call_shape", field: argsField, "read as \"args\""))
        }
        var arguments = JSONObject()
        switch argsValue {
        case nil, .null?:
            break
        case .object(let found)?:
            arguments = found
        case .string(let text)?:
            guard let decoded = Self.decodeArguments(text) else {
                violations.append(
                    ContractViolation(
                        "invalid_tool_call", field: argsField,
                        "\(tool): must be an object, or a JSON string holding one (got a string that is not a JSON "
                            + "object); call not run"))
                return nil
            }
            arguments = decoded
            violations.append(
                ContractViolation(
                    "args_shape", field: argsField, "was a JSON string; decoded (write the object itself)"))
        case let other?:
            violations.append(
                ContractViolation(
                    "invalid_tool_call", field: argsField,
                    "\(tool): must be an object (got \(other.typeDescription)); call not run"))
            return nil
        }
        if let problem = tooDeep(.object(arguments)) {
            violations.append(ContractViolation("too_deep", field: argsField, "\(tool): \(problem); call not run"))
            return nil
        }
        return ToolCall(tool: tool, arguments: arguments)
    }

    /// The object a JSON string holds, alone (give or take the defects of model JSON and `""` for no
    /// arguments), or `nil`.
    static func decodeArguments(_ text: String) -> JSONObject? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> JSONObject? in
            var start = 0
            while start < buffer.count, Reasoning.isWhitespace(buffer[start]) { start += 1 }
            guard start < buffer.count else { return JSONObject() }
            guard buffer[start] == UInt8(ascii: "{"),
                case .success(let found) = JSONParser.parseTolerantPrefix(buffer, at: start),
                buffer[found.end...].allSatisfy(Reasoning.isWhitespace)
            else { return nil }
            return found.value.objectValue
        }
    }

    // MARK: - Memory updates

    func parseMemoryUpdate(_ item: JSONValue, field: String, violations: inout [ContractViolation]) -> MemoryUpdate? {
        guard let object = item.objectValue else {
            violations.append(
                ContractViolation(
                    "invalid_memory_update", field: field, "must be an object (got \(item.typeDescription))"))
            return nil
        }
        guard let key = object["key"]?.stringValue, Names.isValidMemoryKey(key) else {
            let shown = object["key"]?.compactText.prefix(64) ?? "nothing"
            violations.append(
                ContractViolation(
                    "invalid_memory_key", field: "\(field).key",
                    "must match ^[a-zA-Z0-9_-]{1,128}$ (got \(shown)); update dropped"))
            return nil
        }
        var operation = MemoryOperation.set
        if let op = object["op"], !op.isNull {
            guard let text = op.stringValue, let parsed = MemoryOperation(rawValue: text) else {
                violations.append(
                    ContractViolation(
                        "invalid_memory_op", field: "\(field).op",
                        "must be set, append, merge or delete (got \(op.compactText.prefix(40))); update dropped"))
                return nil
            }
            operation = parsed
        }
        let value = object["value"]
        if operation != .delete, value == nil {
            violations.append(
                ContractViolation(
                    "invalid_memory_update", field: "\(field).value", "is required for \(operation.rawValue)"))
            return nil
        }
        if operation == .merge, value?.objectValue == nil {
            violations.append(
                ContractViolation(
                    "memory_merge_type", field: "\(field).value",
                    "merge needs an object (got \(value?.typeDescription ?? "nothing")); update dropped"))
            return nil
        }
        if let value, let problem = tooDeep(value) {
            violations.append(ContractViolation("too_deep", field: "\(field).value", problem + "; update dropped"))
            return nil
        }
        return MemoryUpdate(key: key, operation: operation, value: value ?? .null)
    }

    // MARK: - Depth

    /// Why `value` is nested too deep to accept, or `nil`.
    func tooDeep(_ value: JSONValue) -> String? {
        guard value.nests(deeperThan: limits.maxValueDepth) else { return nil }
        return "nested \(value.nestingDepth) levels deep; the limit is \(limits.maxValueDepth) (limits.max_value_depth)"
    }
}

extension JSONValue {
    /// How many arrays and objects deep the value nests: 0 for a scalar, 1 for `[]` or `{"a": 1}`.
    var nestingDepth: Int {
        switch self {
        case .array(let items): return 1 + (items.lazy.map(\.nestingDepth).max() ?? 0)
        case .object(let object): return 1 + (object.lazy.map(\.value.nestingDepth).max() ?? 0)
        default: return 0
        }
    }

    /// Whether ``nestingDepth`` exceeds `limit`, looking no deeper than needed.
    func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .array(let items): return limit < 1 || items.contains { $0.nests(deeperThan: limit - 1) }
        case .object(let object): return limit < 1 || object.contains { $0.value.nests(deeperThan: limit - 1) }
        default: return false
        }
    }
}
