import Testing

@testable import LemmingCore

private func parseTools(_ text: String) -> (ToolSettings, [ValidationIssue]) {
    let (config, issues) = OrgConfig.parse(Array(#"{"tools": \#(text)}"#.utf8), defaultName: "org")
    return (config.tools, issues)
}

@Test func toolSettingsHaveSafeDefaults() {
    let (settings, issues) = parseTools("{}")
    #expect(issues.isEmpty)
    #expect(settings == ToolSettings())
    #expect(settings.http.allowHosts.isEmpty)
    #expect(!settings.shell.allow.contains { ToolSettings.Shell.risky.contains($0) })
    #expect(settings.files.maxReadBytes == 65_536)
    #expect(settings.approvalTimeoutTicks == 100)
}

@Test func toolSettingsReadEveryField() {
    let (settings, issues) = parseTools(
        #"""
        {"files": {"max_read_bytes": 10, "max_file_bytes": 20, "max_root_bytes": 30, "max_list_entries": 4,
                   "max_search_matches": 5},
         "shell": {"allow": ["ls", "wc"], "timeout_seconds": 0.5, "max_output_bytes": 64},
         "http": {"allow_hosts": ["example.com", "*.example.org", "127.0.0.1:8080"], "timeout_seconds": 3,
                  "max_bytes": 99},
         "require_approval": ["shell", "lookup"], "approval_timeout_ticks": 7,
         "custom": [{"name": "lookup", "description": "Looks up.", "command": ["tools/lookup.py", "-v"],
                     "schema": {"type": "object"}, "timeout_seconds": 2, "max_output_bytes": 100,
                     "requires_approval": true}]}
        """#)
    #expect(issues.isEmpty)
    #expect(settings.files.maxReadBytes == 10 && settings.files.maxFileBytes == 20 && settings.files.maxRootBytes == 30)
    #expect(settings.files.maxListEntries == 4 && settings.files.maxSearchMatches == 5)
    #expect(settings.shell.allow == ["ls", "wc"] && settings.shell.timeoutSeconds == 0.5)
    #expect(settings.shell.maxOutputBytes == 64)
    #expect(settings.http.allowHosts.count == 3 && settings.http.timeoutSeconds == 3 && settings.http.maxBytes == 99)
    #expect(settings.requireApproval == ["shell", "lookup"])
    #expect(settings.approvalTimeoutTicks == 7)
    #expect(settings.custom.count == 1)
    #expect(settings.custom.first?.command == ["tools/lookup.py", "-v"])
    #expect(settings.custom.first?.requiresApproval == true)
    #expect(settings.custom.first?.maxOutputBytes == 100)
}

@Test func wrongToolSettingsAreErrorsThatNameTheField() {
    let (settings, issues) = parseTools(
        #"""
        {"shell": {"allow": ["/bin/ls", "sh"], "timeout_seconds": 0},
         "http": {"allow_hosts": ["http://example.com", "ok.example.com"]},
         "require_approval": ["nope"],
         "custom": [{"name": "file_read", "command": ["x"]}, {"name": "Bad Name", "command": []}, 3]}
        """#)
    let fields = Set(issues.filter(\.isError).map(\.field))
    #expect(fields.contains("tools.shell.allow[0]"))
    #expect(fields.contains("tools.shell.timeout_seconds"))
    #expect(fields.contains("tools.http.allow_hosts[0]"))
    #expect(fields.contains("tools.require_approval[0]"))
    #expect(fields.contains("tools.custom[0].name"))
    #expect(fields.contains("tools.custom[1].name"))
    #expect(fields.contains("tools.custom[1].command"))
    #expect(fields.contains("tools.custom[2]"))
    // A shell is allowed when listed, with a warning.
    #expect(issues.contains { !$0.isError && $0.field == "tools.shell.allow[1]" && $0.rule == "risky_program" })
    #expect(settings.shell.allow == ["sh"])
    #expect(settings.http.allowHosts == ["ok.example.com"])
    #expect(settings.custom.isEmpty)
}

@Test(arguments: [
    ("example.com", "example.com", 443, true),
    ("example.com", "EXAMPLE.com", 80, true),
    ("example.com", "api.example.com", 443, false),
    ("example.com", "example.com.evil.net", 443, false),
    ("*.example.com", "api.example.com", 443, true),
    ("*.example.com", "example.com", 443, false),
    ("*.example.com", "evilexample.com", 443, false),
    ("127.0.0.1:8080", "127.0.0.1", 8080, true),
    ("127.0.0.1:8080", "127.0.0.1", 8081, false),
])
func hostPatternsMatchExactlyWhatTheyName(pattern: String, host: String, port: Int, matches: Bool) throws {
    let parsed = try #require(HostPattern(pattern))
    #expect(parsed.matches(host: host, port: port) == matches)
}

@Test func sandboxSettingsHaveSafeDefaultsAndAreRead() {
    let (defaults, _) = parseTools("{}")
    #expect(defaults.shell.sandbox == .kernel)
    #expect(defaults.limits == ToolSettings.Limits())
    #expect(defaults.limits.cpuSeconds == 10 && defaults.limits.maxProcesses == 64)
    let (settings, issues) = parseTools(
        #"""
        {"shell": {"sandbox": "none"},
         "limits": {"cpu_seconds": 2, "max_file_bytes": 1000, "max_processes": 8, "max_memory_bytes": 33554432,
                    "max_open_files": 32},
         "custom": [{"name": "lookup", "command": ["tools/lookup.py"], "sandbox": "none", "network": true,
                     "exec": ["jq", "/usr/bin/sed"]}]}
        """#)
    #expect(issues.isEmpty, "\(issues)")
    #expect(settings.shell.sandbox == ToolSettings.SandboxMode.none)
    #expect(
        settings.limits
            == ToolSettings.Limits(
                cpuSeconds: 2, maxFileBytes: 1000, maxProcesses: 8, maxMemoryBytes: 33_554_432, maxOpenFiles: 32))
    let custom = settings.custom.first
    #expect(custom?.sandbox == ToolSettings.SandboxMode.none && custom?.allowsNetwork == true)
    #expect(custom?.exec == ["jq", "/usr/bin/sed"])
}

@Test func wrongSandboxSettingsAreErrorsThatKeepTheSafeDefault() {
    let (settings, issues) = parseTools(
        #"""
        {"shell": {"sandbox": "off"}, "limits": {"cpu_seconds": 0, "max_processes": "many", "nice": 3},
         "custom": [{"name": "lookup", "command": ["x"], "sandbox": false, "exec": [""]}]}
        """#)
    let fields = Set(issues.map(\.field))
    #expect(fields.isSuperset(of: ["tools.shell.sandbox", "tools.limits.cpu_seconds", "tools.limits.max_processes"]))
    #expect(fields.contains("tools.limits.nice"))
    #expect(fields.contains("tools.custom[0].sandbox") && fields.contains("tools.custom[0].exec[0]"))
    #expect(settings.shell.sandbox == .kernel)
    #expect(settings.limits == ToolSettings.Limits())
}
