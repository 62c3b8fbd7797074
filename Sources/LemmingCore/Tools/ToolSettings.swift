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
        /// File descriptors each of its processes may have open (`tools.limits.max_open_files`, 16…1,048,576).
        public var maxOpenFiles = 256
    }

    /// The `shell` tool: allow-listed programs run without a shell.
    public struct Shell: Sendable, Equatable {
        /// Programs (names looked up on `PATH`) an agent may run.
        public var allow = Shell.defaultAllow
        /// Seconds a `shell` call may run (`tools.shell.timeout_seconds`, up to 3,600); then it is killed and fails.
        public var timeoutSeconds = 10.0
        /// The most bytes of output (stdout and stderr together) shown to the agent.
        public var maxOutputBytes = 16_384
        /// `none` runs programs unconfined (and only then where no sandbox exists is `shell` usable).
        public var sandbox = SandboxMode.kernel

        /// The programs allowed when `tools.shell.allow` is not set: text utilities that read and print only.
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
        /// Seconds a request may take (`tools.http.timeout_seconds`, up to 3,600).
        public var timeoutSeconds = 10.0
        /// The most bytes of a body shown to the agent.
        public var maxBytes = 65_536
    }

    /// An executable declared as a tool.
    public struct Custom: Sendable, Equatable {
        /// The tool's name (`tools.custom[].name`), as agents call it.
        public var name = ""
        /// One sentence for the prompt (`description`).
        public var description = ""
        /// Program and arguments; a program with a `/` is relative to the org folder.
        public var command: [String] = []
        /// JSON Schema of the arguments.
        public var schema: JSONValue = ["type": "object"]
        /// Seconds a call may run; then the program is killed and the call fails.
        public var timeoutSeconds = 10.0
        /// The most bytes of output read; more is a failed call.
        public var maxOutputBytes = 65_536
        /// Whether its calls wait for the human's approval (`requires_approval`).
        public var requiresApproval = false
        /// `none` runs the program unconfined.
        public var sandbox = SandboxMode.kernel
        /// Whether the program may use the network (it may not by default).
        public var allowsNetwork = false
        /// Other programs it may run (names on `PATH` or absolute paths); by default only itself.
        public var exec: [String] = []
    }

    /// The file tools' caps (`tools.files`).
    public var files = Files()
    /// The `shell` tool (`tools.shell`).
    public var shell = Shell()
    /// The `http_get` tool (`tools.http`).
    public var http = HTTP()
    /// Resource limits of every program run (`tools.limits`).
    public var limits = Limits()
    /// Built-in tools whose calls wait for the human's approval.
    public var requireApproval: [String] = []
    /// Ticks a call waits for approval before it expires and fails (`tools.approval_timeout_ticks`).
    public var approvalTimeoutTicks = 100
    /// Executables declared as tools (`tools.custom`), in the file's order.
    public var custom: [Custom] = []

    /// Every setting at its default.
    public init() {}

    /// The names of the built-in tools (DESIGN §7).
    public static let builtinNames: [String] = [
        "memory_read", "memory_write", "memory_list", "memory_search", "file_read", "file_write", "file_append",
        "file_list", "file_search", "shell", "http_get", "calculator", "create_agent",
    ]
}
