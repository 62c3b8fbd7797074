import LemmingJSON

/// The `tools` settings of `lemming.json` (DESIGN §7), every one with a safe default.
///
/// ```json
/// "tools": {
///   "files": {"max_read_bytes": 65536, "max_file_bytes": 1048576, "max_root_bytes": 67108864},
///   "shell": {"allow": ["ls", "cat", "grep"], "timeout_seconds": 10, "max_output_bytes": 16384, "sandbox": "kernel"},
///   "limits": {"cpu_seconds": 10, "max_file_bytes": 67108864, "max_processes": 64,
///              "max_memory_bytes": 1073741824, "max_open_files": 256},
///   "http": {"allow_hosts": ["example.com", "*.example.org", "127.0.0.1:8080"]},
///   "require_approval": ["shell"],
///   "approval_timeout_ticks": 100,
///   "custom": [{"name": "lookup", "command": ["tools/lookup.py"], "schema": {"type": "object"},
///               "sandbox": "kernel", "network": false, "exec": ["jq"]}]
/// }
/// ```
public struct ToolSettings: Sendable, Equatable {
    /// Caps of the file tools.
    public struct Files: Sendable, Equatable {
        /// The most bytes one `file_read` returns (longer files are truncated; `offset` pages on).
        public var maxReadBytes = 65_536
        /// The largest file a `file_write` or `file_append` may leave behind.
        public var maxFileBytes = 1_048_576
        /// The most bytes a workspace (or `shared/`) may hold; writes beyond are refused.
        public var maxRootBytes = 67_108_864
        /// The most entries one `file_list` returns.
        public var maxListEntries = 500
        /// The most matches one `file_search` returns.
        public var maxSearchMatches = 100
    }

    /// Whether the programs of `shell` and custom tools run inside the kernel sandbox (DESIGN §7).
    public enum SandboxMode: String, Sendable, Equatable, CaseIterable {
        /// Landlock, or bubblewrap where the kernel lacks it; without either, calls are refused.
        case kernel
        /// Unconfined: the org's explicit opt-out, for machines with no sandbox.
        case none
    }

    /// Resource limits of every program a tool runs (`setrlimit`, per program and its children).
    public struct Limits: Sendable, Equatable {
        /// CPU time; then the program is stopped (`SIGXCPU`, `SIGKILL`).
        public var cpuSeconds = 10
        /// The largest file it may write; a write beyond stops it (`SIGXFSZ`).
        public var maxFileBytes = 67_108_864
        /// Processes it may have running at once, itself included.
        public var maxProcesses = 64
        /// Address space of each of its processes.
        public var maxMemoryBytes = 1_073_741_824
        public var maxOpenFiles = 256
    }

    /// The `shell` tool: allow-listed programs run without a shell.
    public struct Shell: Sendable, Equatable {
        /// Programs (names looked up on `PATH`) an agent may run.
        public var allow = Shell.defaultAllow
        public var timeoutSeconds = 10.0
        /// The most bytes of output (stdout and stderr together) shown to the agent.
        public var maxOutputBytes = 16_384
        /// `none` runs programs unconfined (and only then where no sandbox exists is `shell` usable).
        public var sandbox = SandboxMode.kernel

        public static let defaultAllow = [
            "cat", "cut", "date", "diff", "echo", "grep", "head", "ls", "sort", "tail", "tr", "uniq", "wc",
        ]
        /// Programs that would hand an agent a shell, an interpreter or a way to run anything.
        public static let risky: Set<String> = [
            "sh", "bash", "dash", "zsh", "fish", "ksh", "csh", "tcsh", "env", "xargs", "find", "sudo", "su", "doas",
            "python", "python3", "perl", "ruby", "node", "deno", "php", "lua", "awk", "gawk", "mawk", "sed", "nohup",
            "timeout", "nice", "ssh", "scp", "curl", "wget", "nc", "ln", "chmod", "git", "make", "swift", "docker",
        ]
    }

    /// The `http_get` tool.
    public struct HTTP: Sendable, Equatable {
        /// Hosts it may reach: `example.com`, `*.example.com` (subdomains), `host:port`.
        public var allowHosts: [String] = []
        public var timeoutSeconds = 10.0
        /// The most bytes of a body shown to the agent.
        public var maxBytes = 65_536
    }

    /// An executable declared as a tool.
    public struct Custom: Sendable, Equatable {
        public var name: String
        public var description: String
        /// Program and arguments; a program with a `/` is relative to the org folder.
        public var command: [String]
        /// JSON Schema of the arguments.
        public var schema: JSONValue
        public var timeoutSeconds: Double
        public var maxOutputBytes: Int
        public var requiresApproval: Bool
        /// `none` runs the program unconfined.
        public var sandbox = SandboxMode.kernel
        /// Whether the program may use the network (it may not by default).
        public var allowsNetwork = false
        /// Other programs it may run (names on `PATH` or absolute paths); by default only itself.
        public var exec: [String] = []
    }

    public var files = Files()
    public var shell = Shell()
    public var http = HTTP()
    public var limits = Limits()
    /// Built-in tools whose calls wait for the human's approval.
    public var requireApproval: [String] = []
    public var approvalTimeoutTicks = 100
    public var custom: [Custom] = []

    public init() {}

    /// The names of the built-in tools (DESIGN §7).
    public static let builtinNames: [String] = [
        "memory_read", "memory_write", "memory_list", "memory_search", "file_read", "file_write", "file_append",
        "file_list", "file_search", "shell", "http_get", "calculator", "create_agent",
    ]

    /// Reads the `tools` object of `lemming.json`; wrong fields become issues and keep their default.
    static func parse(_ object: JSONObject, issues: inout IssueCollector) -> ToolSettings {
        var settings = ToolSettings()
        issues.warnUnknownKeys(
            object,
            known: ["files", "shell", "http", "limits", "require_approval", "approval_timeout_ticks", "custom"],
            prefix: "tools")
        let files = issues.object(object, "files", prefix: "tools")
        issues.warnUnknownKeys(
            files,
            known: ["max_read_bytes", "max_file_bytes", "max_root_bytes", "max_list_entries", "max_search_matches"],
            prefix: "tools.files")
        let filePrefix = "tools.files"
        settings.files.maxReadBytes = issues.integer(
            files, "max_read_bytes", prefix: filePrefix, default: 65_536, in: 1...1_073_741_824)
        settings.files.maxFileBytes = issues.integer(
            files, "max_file_bytes", prefix: filePrefix, default: 1_048_576, in: 1...1_099_511_627_776)
        settings.files.maxRootBytes = issues.integer(
            files, "max_root_bytes", prefix: filePrefix, default: 67_108_864, in: 1...1_099_511_627_776)
        settings.files.maxListEntries = issues.integer(
            files, "max_list_entries", prefix: filePrefix, default: 500, in: 1...1_000_000)
        settings.files.maxSearchMatches = issues.integer(
            files, "max_search_matches", prefix: filePrefix, default: 100, in: 1...1_000_000)

        let shell = issues.object(object, "shell", prefix: "tools")
        issues.warnUnknownKeys(
            shell, known: ["allow", "timeout_seconds", "max_output_bytes", "sandbox"], prefix: "tools.shell")
        if let allow = issues.optionalStrings(shell, "allow", prefix: "tools.shell") {
            settings.shell.allow = []
            for (position, program) in allow.enumerated() {
                let field = "tools.shell.allow[\(position)]"
                if program.isEmpty || program.contains("/") || program.contains("\0") {
                    issues.error(field, "program", "must be a program name looked up on PATH (got '\(program)')")
                } else {
                    if Shell.risky.contains(program) {
                        issues.warning(
                            field, "risky_program",
                            "'\(program)' can run other programs or reach outside the workspace; agents with "
                                + "the shell tool get that power")
                    }
                    settings.shell.allow.append(program)
                }
            }
        }
        settings.shell.timeoutSeconds = seconds(shell, prefix: "tools.shell", default: 10, issues: &issues)
        settings.shell.maxOutputBytes = issues.integer(
            shell, "max_output_bytes", prefix: "tools.shell", default: 16_384, in: 1...67_108_864)
        settings.shell.sandbox = sandboxMode(shell, prefix: "tools.shell", issues: &issues)
        settings.limits = parseLimits(object, issues: &issues)

        let http = issues.object(object, "http", prefix: "tools")
        issues.warnUnknownKeys(http, known: ["allow_hosts", "timeout_seconds", "max_bytes"], prefix: "tools.http")
        if let hosts = issues.optionalStrings(http, "allow_hosts", prefix: "tools.http") {
            for (position, host) in hosts.enumerated() {
                if HostPattern(host) == nil {
                    issues.error(
                        "tools.http.allow_hosts[\(position)]", "host",
                        "must be a host name, '*.' and a domain, or host:port (got '\(host)')")
                } else {
                    settings.http.allowHosts.append(host)
                }
            }
        }
        settings.http.timeoutSeconds = seconds(http, prefix: "tools.http", default: 10, issues: &issues)
        settings.http.maxBytes = issues.integer(
            http, "max_bytes", prefix: "tools.http", default: 65_536, in: 1...67_108_864)

        settings.approvalTimeoutTicks = issues.integer(
            object, "approval_timeout_ticks", prefix: "tools", default: 100, in: 1...1_000_000)
        settings.custom = parseCustom(object, issues: &issues)
        let known = Set(builtinNames).union(settings.custom.map(\.name))
        for (position, name) in (issues.optionalStrings(object, "require_approval", prefix: "tools") ?? []).enumerated()
        {
            if known.contains(name) {
                settings.requireApproval.append(name)
            } else {
                issues.error("tools.require_approval[\(position)]", "unknown_tool", "no tool named '\(name)'")
            }
        }
        return settings
    }

    private static func parseCustom(_ object: JSONObject, issues: inout IssueCollector) -> [Custom] {
        guard let value = object["custom"], !value.isNull else { return [] }
        guard let elements = value.arrayValue else {
            issues.error("tools.custom", "type", "must be an array of tool objects (got \(value.typeDescription))")
            return []
        }
        var tools: [Custom] = []
        var names: Set<String> = []
        for (position, element) in elements.enumerated() {
            let prefix = "tools.custom[\(position)]"
            guard let tool = element.objectValue else {
                issues.error(prefix, "type", "must be an object (got \(element.typeDescription))")
                continue
            }
            issues.warnUnknownKeys(
                tool,
                known: [
                    "name", "description", "command", "schema", "timeout_seconds", "max_output_bytes",
                    "requires_approval", "sandbox", "network", "exec",
                ],
                prefix: prefix)
            let errorsBefore = issues.issues.filter(\.isError).count
            let name = issues.optionalString(tool, "name", prefix: prefix) ?? ""
            if !Names.isValidToolName(name) {
                issues.error(
                    prefix + ".name", "name", "must be lowercase letters, digits, '_' or '-', starting with a letter")
            } else if builtinNames.contains(name) || names.contains(name) {
                issues.error(prefix + ".name", "duplicate", "a tool named '\(name)' already exists")
            }
            let command = issues.optionalStrings(tool, "command", prefix: prefix) ?? []
            if command.isEmpty || command[0].isEmpty {
                issues.error(prefix + ".command", "required", "must be a non-empty array: program and arguments")
            }
            let schema = tool["schema"] ?? ["type": "object"]
            if schema.objectValue == nil {
                issues.error(prefix + ".schema", "type", "must be a JSON Schema object (got \(schema.typeDescription))")
            }
            var custom = Custom(
                name: name, description: issues.optionalString(tool, "description", prefix: prefix) ?? "",
                command: command, schema: schema,
                timeoutSeconds: seconds(tool, prefix: prefix, default: 10, issues: &issues),
                maxOutputBytes: issues.integer(
                    tool, "max_output_bytes", prefix: prefix, default: 65_536, in: 1...67_108_864),
                requiresApproval: issues.boolean(tool, "requires_approval", prefix: prefix, default: false))
            custom.sandbox = sandboxMode(tool, prefix: prefix, issues: &issues)
            custom.allowsNetwork = issues.boolean(tool, "network", prefix: prefix, default: custom.allowsNetwork)
            custom.exec = issues.optionalStrings(tool, "exec", prefix: prefix) ?? []
            for (index, program) in custom.exec.enumerated() where program.isEmpty || program.contains("\0") {
                issues.error("\(prefix).exec[\(index)]", "program", "must be a program name or an absolute path")
            }
            if issues.issues.filter(\.isError).count == errorsBefore {
                tools.append(custom)
                names.insert(name)
            }
        }
        return tools
    }

    /// `"sandbox": "kernel"` (the default) or `"none"`.
    private static func sandboxMode(_ object: JSONObject, prefix: String, issues: inout IssueCollector) -> SandboxMode {
        guard let text = issues.optionalString(object, "sandbox", prefix: prefix) else { return .kernel }
        guard let mode = SandboxMode(rawValue: text) else {
            issues.error(prefix + ".sandbox", "value", "must be \"kernel\" or \"none\" (got '\(text)')")
            return .kernel
        }
        return mode
    }

    /// `tools.limits`; each limit keeps the default of ``Limits`` when absent.
    private static func parseLimits(_ object: JSONObject, issues: inout IssueCollector) -> Limits {
        let prefix = "tools.limits"
        let object = issues.object(object, "limits", prefix: "tools")
        issues.warnUnknownKeys(
            object, known: ["cpu_seconds", "max_file_bytes", "max_processes", "max_memory_bytes", "max_open_files"],
            prefix: prefix)
        var limits = Limits()
        limits.cpuSeconds = issues.integer(
            object, "cpu_seconds", prefix: prefix, default: limits.cpuSeconds, in: 1...86_400)
        limits.maxFileBytes = issues.integer(
            object, "max_file_bytes", prefix: prefix, default: limits.maxFileBytes, in: 1...1_099_511_627_776)
        limits.maxProcesses = issues.integer(
            object, "max_processes", prefix: prefix, default: limits.maxProcesses, in: 1...100_000)
        limits.maxMemoryBytes = issues.integer(
            object, "max_memory_bytes", prefix: prefix, default: limits.maxMemoryBytes,
            in: 16_777_216...1_099_511_627_776)
        limits.maxOpenFiles = issues.integer(
            object, "max_open_files", prefix: prefix, default: limits.maxOpenFiles, in: 16...1_048_576)
        return limits
    }

    private static func seconds(
        _ object: JSONObject, prefix: String, default fallback: Double, issues: inout IssueCollector
    ) -> Double {
        guard let seconds = issues.optionalNumber(object, "timeout_seconds", prefix: prefix, minimum: 0.001) else {
            return fallback
        }
        guard seconds <= 3_600 else {
            issues.error(prefix + ".timeout_seconds", "range", "must be at most 3600 (got \(seconds))")
            return fallback
        }
        return seconds
    }
}

/// An entry of `tools.http.allow_hosts`: `host`, `*.domain` or `host:port`.
public struct HostPattern: Sendable, Equatable {
    public var host: String
    public var includesSubdomains: Bool
    public var port: Int?

    public init?(_ text: String) {
        var rest = Substring(text.lowercased())
        if rest.hasPrefix("*.") {
            includesSubdomains = true
            rest = rest.dropFirst(2)
        } else {
            includesSubdomains = false
        }
        if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
            self.port = port
            rest = rest[..<colon]
        } else {
            port = nil
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard !rest.isEmpty, rest.allSatisfy(allowed.contains), !rest.hasPrefix("."), !rest.hasSuffix(".") else {
            return nil
        }
        host = String(rest)
    }

    /// Whether a URL's host (lowercased) and port match.
    public func matches(host candidate: String, port candidatePort: Int) -> Bool {
        if let port, port != candidatePort { return false }
        let candidate = candidate.lowercased()
        if candidate == host { return !includesSubdomains }
        return includesSubdomains && candidate.hasSuffix("." + host)
    }
}
