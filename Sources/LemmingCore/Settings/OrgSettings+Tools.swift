/// The `tools` section of `lemming.json` (DESIGN §7); custom tools are in `OrgSettings+CustomTools`.
extension OrgSettings {
    static let tools: [Setting<OrgConfig>] = [
        .section("tools", "The tools' settings."),
        .section("tools.files", "Caps of the file tools."),
        .integer(
            "tools.files.max_read_bytes", \.tools.files.maxReadBytes, in: 1...1_073_741_824,
            "The most bytes one `file_read` returns; longer files are truncated and `offset` reads on."),
        .integer(
            "tools.files.max_file_bytes", \.tools.files.maxFileBytes, in: 1...1_099_511_627_776,
            "The largest file a `file_write` or `file_append` may leave behind."),
        .integer(
            "tools.files.max_root_bytes", \.tools.files.maxRootBytes, in: 1...1_099_511_627_776,
            "The most bytes a workspace (or `shared/`) may hold; writes beyond are refused."),
        .integer(
            "tools.files.max_list_entries", \.tools.files.maxListEntries, in: 1...1_000_000,
            "The most entries one `file_list` returns."),
        .integer(
            "tools.files.max_search_matches", \.tools.files.maxSearchMatches, in: 1...1_000_000,
            "The most matches one `file_search` returns."),
        .section("tools.shell", "The `shell` tool: allow-listed programs, run without a shell."),
        .strings(
            "tools.shell.allow", \.tools.shell.allow, pattern: "^[^/\\u0000]+$",
            "Programs (names looked up on `PATH`) `shell` may run; shells, interpreters and other programs "
                + "that run programs are warned about."
        ) { program, field, _, issues in
            if program.isEmpty || program.contains("/") || program.contains("\0") {
                issues.error(field, "program", "must be a program name looked up on PATH (got '\(program)')")
                return nil
            }
            if ToolSettings.Shell.risky.contains(program) {
                issues.warning(
                    field, "risky_program",
                    "'\(program)' can run other programs or reach outside the workspace; agents with "
                        + "the shell tool get that power")
            }
            return program
        },
        .number(
            "tools.shell.timeout_seconds", \.tools.shell.timeoutSeconds, minimum: 0.001, maximum: 3_600,
            "Seconds a program may run; then its whole process group is stopped."),
        .integer(
            "tools.shell.max_output_bytes", \.tools.shell.maxOutputBytes, in: 1...67_108_864,
            "The most bytes of output (stdout and stderr together) shown to the agent."),
        .choice(
            "tools.shell.sandbox", \.tools.shell.sandbox, rule: "value",
            "\"kernel\" runs `shell` programs in the kernel sandbox (Landlock, or bubblewrap) and refuses them "
                + "where there is neither; \"none\" runs them unconfined."),
        .section(
            "tools.limits", "Resource limits of each program `shell` or a custom tool runs (with its children)."),
        .integer(
            "tools.limits.cpu_seconds", \.tools.limits.cpuSeconds, in: 1...86_400,
            "CPU time; then the program is stopped (`SIGXCPU`, then `SIGKILL`)."),
        .integer(
            "tools.limits.max_file_bytes", \.tools.limits.maxFileBytes, in: 1...1_099_511_627_776,
            "The largest file a program may write; a larger write stops it (`SIGXFSZ`)."),
        .integer(
            "tools.limits.max_processes", \.tools.limits.maxProcesses, in: 1...100_000,
            "Processes a program may have running at once, itself included."),
        .integer(
            "tools.limits.max_memory_bytes", \.tools.limits.maxMemoryBytes, in: 16_777_216...1_099_511_627_776,
            "Address space of each of its processes, in bytes."),
        .integer(
            "tools.limits.max_open_files", \.tools.limits.maxOpenFiles, in: 16...1_048_576,
            "Files a program may have open at once."),
        .section("tools.http", "The `http_get` tool."),
        .strings(
            "tools.http.allow_hosts", \.tools.http.allowHosts, pattern: HostPattern.regex,
            "Hosts `http_get` may reach: `example.com`, `*.example.com` (its subdomains) or `host:port`."
        ) { host, field, _, issues in
            guard HostPattern(host) != nil else {
                issues.error(field, "host", "must be a host name, '*.' and a domain, or host:port (got '\(host)')")
                return nil
            }
            return host
        },
        .number(
            "tools.http.timeout_seconds", \.tools.http.timeoutSeconds, minimum: 0.001, maximum: 3_600,
            "Seconds one call may take, redirects included."),
        .integer(
            "tools.http.max_bytes", \.tools.http.maxBytes, in: 1...67_108_864,
            "The most bytes of a body shown to the agent."),
        .integer(
            "tools.approval_timeout_ticks", \.tools.approvalTimeoutTicks, in: 1...1_000_000,
            "Ticks before an approval request nobody answered expires."),
        customTools,
        .strings(
            "tools.require_approval", \.tools.requireApproval,
            "Tools (built-in, custom, an MCP server's — `mcp.<server>.<tool>` or `mcp.<server>.*` — or "
                + "`a2a.<name>`) whose calls wait for the human's approval."
        ) { name, field, root, issues in
            let isMCP =
                ResumeSpec.Pattern.toolPattern.matches(name)
                && root.mcp.servers.contains { ToolPattern.isWithin(name, namespace: "mcp." + $0.name) }
            guard
                ToolSettings.builtinNames.contains(name) || root.tools.custom.contains(where: { $0.name == name })
                    || isMCP || declaresRemoteAgent(tool: name, in: root.document)
            else {
                issues.error(field, "unknown_tool", "no tool named '\(name)'")
                return nil
            }
            return name
        },
    ]
}
