import Foundation
import LemmingCore
import LemmingJSON
import LemmingProcess
import LemmingTesting
import LemmingTools
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11 item 1: `shell`, custom tools and their children run inside the kernel sandbox, so
/// an allow-listed program that runs other programs or writes where its options say cannot
/// leave the workspace. Each attack goes through real turns, as an agent would make it.
@Suite(.timeLimit(.minutes(1))) struct KernelSandboxTests {
    /// Lines that, fed to a shell, create `pwned.txt` (with `echo`, a shell builtin).
    static let commands = String(repeating: "echo owned > pwned.txt\n", count: 200)

    /// `sort -S 1K --compress-program=sh cmds.txt` hands sorted lines of `cmds.txt` to `sh`.
    @Test func sortCannotRunAShellAsItsCompressProgram() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "cmds.txt", "content": .string(Self.commands)]),
                        call("shell", ["program": "sort", "args": ["-S", "1K", "--compress-program=sh", "cmds.txt"]]),
                        call(
                            "shell",
                            ["program": "sort", "args": ["-S", "1K", "-T", ".", "--compress-program=sh", "cmds.txt"]]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.count == 3)
        #expect(try org.read("agents/a/workspace/pwned.txt") == nil, "sort ran sh: \(outcome)")
        #expect(try org.read("pwned.txt") == nil)
    }

    /// `sort -uo/abs/path in.txt` names its output in an attached option the argument check misses.
    @Test func sortCannotWriteOutsideTheOrg() async throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "in.txt", "content": "b\na\n"]),
                        call("shell", ["program": "sort", "args": .strings(["-uo\(outside)/out.txt", "in.txt"])]),
                        call("shell", ["program": "sort", "args": .strings(["-o", "sorted.txt", "in.txt"])]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(!outcome[1].success, "\(outcome[1])")
        #expect(!FileSystem.exists(outside + "/out.txt"))
        // Writing inside the workspace still works.
        #expect(outcome[2].success, "\(outcome[2])")
        #expect(try org.text("agents/a/workspace/sorted.txt") == "a\nb\n")
    }

    /// `grep -R` follows a symlink the agent cannot name: to a folder outside, to a peer, to the
    /// org; its own files stay readable.
    @Test func programsCannotReadOutsideTheWorkspaceAndShared() async throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        try FileSystem.writeAtomically(Array("TOP SECRET\n".utf8), to: outside + "/secret.txt")
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"]), toolAgent("b", tools: [], every: 1000)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "note.txt", "content": "OWN NOTE\n"]),
                        call("shell", ["program": "grep", "args": ["-R", "SECRET", "."]]),
                        call("shell", ["program": "grep", "args": ["-R", "provider", "."]]),
                        call("shell", ["program": "cat", "args": ["note.txt"]]),
                    ])
            ])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace)
        #expect(symlink(outside, workspace + "/out") == 0)
        #expect(symlink(org.paths.agent("b"), workspace + "/peer") == 0)
        #expect(symlink(org.root, workspace + "/org") == 0)
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(!outcome[1].output.contains("TOP SECRET"), "\(outcome[1])")
        #expect(outcome[1].output.contains("Permission denied"), "\(outcome[1])")
        #expect(!outcome[2].output.contains("\"provider\""), "\(outcome[2])")
        #expect(outcome[3].success && outcome[3].output == "OWN NOTE\n", "\(outcome[3])")
    }

    /// A CPU loop, a fork bomb and a huge file are stopped by `tools.limits`.
    @Test func resourceLimitsStopRunawayPrograms() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("shell", ["program": "sh", "args": ["-c", "while :; do :; done"]]),
                        call(
                            "shell", ["program": "sh", "args": ["-c", "for i in $(seq 100); do sleep 1 & done; wait"]]),
                        call("shell", ["program": "sh", "args": ["-c", "head -c 300000 /dev/zero > big.bin"]]),
                    ])
            ],
            config: [
                "tools": [
                    "shell": ["allow": ["sh", "seq", "sleep", "head"], "timeout_seconds": 30],
                    "limits": ["cpu_seconds": 1, "max_processes": 10, "max_file_bytes": 100_000],
                ]
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(!outcome[0].success && outcome[0].error?.contains("signal") == true, "\(outcome[0])")
        #expect(outcome[1].output.lowercased().contains("fork"), "\(outcome[1])")
        #expect(!outcome[2].success, "\(outcome[2])")
        let size = FileSystem.info(org.paths.workspace("a") + "/big.bin")?.size
        #expect(size == 100_000, "big.bin has \(String(describing: size)) bytes")
    }

    /// No network for `shell` (http tools run in-process): a TCP connect to a listening local
    /// port is refused, and so is a UDP socket.
    @Test func programsHaveNoNetwork() async throws {
        let server = try LocalListener()
        defer { server.close() }
        let script = """
            import socket, sys
            results = []
            try:
                socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
                results.append("tcp connected")
            except OSError as error:
                results.append("tcp refused: %s" % error)
            try:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9))
                results.append("udp sent")
            except OSError as error:
                results.append("udp refused: %s" % error)
            print("; ".join(results))
            """
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "net.py", "content": .string(script)]),
                        call("shell", ["program": "python3", "args": .strings(["net.py", String(server.port)])]),
                    ])
            ],
            config: ["tools": ["shell": ["allow": ["python3"]]]])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let output = try results(org, "a", tick: 1)[1].output
        #expect(output.contains("tcp refused") && output.contains("udp refused"), "\(output)")
        #expect(server.acceptedConnection() == false)
    }

    /// Where the machine has no sandbox, `shell` refuses unless the org opted out.
    @Test func withoutASandboxShellRefusesUnlessTheOrgOptsOut() async throws {
        let none = ProgramSandbox(kind: .unavailable(reason: "test machine"), launcher: nil)
        for optedOut in [false, true] {
            let org = try TemporaryOrg.make(
                agents: [toolAgent("a", tools: ["shell", "file_write"])],
                replies: [
                    calls(
                        "a", tick: 1,
                        [
                            call("file_write", ["path": "a.txt", "content": "x\n"]),
                            call("shell", ["program": "cat", "args": ["a.txt"]]),
                        ])
                ],
                config: optedOut ? ["tools": ["shell": ["sandbox": "none"]]] : [:])
            defer { org.remove() }
            try await org.run(ticks: 1, tools: BuiltinToolFactory(environment: testEnvironment, sandbox: none))
            let result = try results(org, "a", tick: 1)[1]
            if optedOut {
                #expect(result.success && result.output == "x\n", "\(result)")
            } else {
                #expect(!result.success && result.error?.contains("tools.shell.sandbox") == true, "\(result)")
                #expect(result.error?.contains("test machine") == true)
            }
        }
    }
}

/// A TCP socket listening on 127.0.0.1 (port 0), to see whether a sandboxed program reached it.
struct LocalListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        try #require(bound == 0 && listen(descriptor, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection is waiting (accepted without blocking).
    func acceptedConnection() -> Bool {
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { return false }
        Glibc.close(connection)
        return true
    }

    func close() { Glibc.close(descriptor) }
}

/// What `validate` and `doctor` print about the sandbox, and what `validate` warns about.
@Suite struct SandboxSummaryTests {
    static let unavailable = ProgramSandbox(kind: .unavailable(reason: "no Landlock, no bwrap"), launcher: nil)

    @Test func theSummaryNamesTheSandboxInForce() throws {
        var config = OrgConfig(name: "test")
        let landlock = ProgramSandbox(kind: .landlock(abi: 7), launcher: "/usr/local/bin/lemming")
        let bwrap = ProgramSandbox(kind: .bubblewrap(path: "/usr/bin/bwrap"), launcher: "/usr/local/bin/lemming")
        #expect(
            BuiltinToolFactory(environment: [:], sandbox: landlock).sandboxSummary(config: config) == "landlock ABI 7")
        #expect(
            BuiltinToolFactory(environment: [:], sandbox: bwrap).sandboxSummary(config: config)
                == "bubblewrap (/usr/bin/bwrap)")
        let missing = BuiltinToolFactory(environment: [:], sandbox: Self.unavailable)
        #expect(
            missing.sandboxSummary(config: config)
                == "unavailable (no Landlock, no bwrap): shell and custom tools are refused")
        config.tools.shell.sandbox = .none
        #expect(missing.sandboxSummary(config: config) == "none (opted out: tools.shell.sandbox)")
    }

    @Test func validateWarnsAboutProgramsThatWillBeRefused() throws {
        let org = try TemporaryOrg.make(agents: [toolAgent("a", tools: ["shell"])])
        defer { org.remove() }
        let config = OrgConfig(name: "test")
        let issues = BuiltinToolFactory(environment: [:], sandbox: Self.unavailable).issues(
            config: config, org: org.paths)
        #expect(issues.map(\.field) == ["tools.shell.sandbox"])
        #expect(issues.first?.message.contains("shell calls will be refused") == true)
        let landlock = ProgramSandbox(kind: .landlock(abi: 7), launcher: "/usr/local/bin/lemming")
        #expect(BuiltinToolFactory(environment: [:], sandbox: landlock).issues(config: config, org: org.paths).isEmpty)
        // An opt-out where a sandbox exists is worth a warning; where none exists, it is quiet.
        var optedOut = config
        optedOut.tools.shell.sandbox = .none
        let unconfined = BuiltinToolFactory(environment: [:], sandbox: landlock).issues(
            config: optedOut, org: org.paths)
        #expect(unconfined.map(\.rule) == ["unconfined"])
        #expect(
            BuiltinToolFactory(environment: [:], sandbox: Self.unavailable).issues(config: optedOut, org: org.paths)
                .isEmpty)
    }
}

/// A custom tool with `"network": true` reaches TCP, but never a UNIX socket.
@Suite(.timeLimit(.minutes(1))) struct CustomToolNetworkTests {
    @Test func networkMeansTCPAndUDPButNoUNIXSockets() async throws {
        let server = try LocalListener()
        defer { server.close() }
        let script = """
            #!/usr/bin/python3
            import json, socket, sys
            port = json.load(sys.stdin)["port"]
            results = []
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                results.append("tcp connected")
            except OSError as error:
                results.append("tcp refused: %s" % error)
            try:
                socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                results.append("unix socket made")
            except OSError as error:
                results.append("unix refused: %s" % error)
            print(json.dumps({"output": "; ".join(results)}))
            """
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["probe"])],
            replies: [calls("a", tick: 1, [call("probe", ["port": .int(server.port)])])],
            config: ["tools": ["custom": [["name": "probe", "command": ["tools/probe.py"], "network": true]]]])
        defer { org.remove() }
        try org.writeBytes("tools/probe.py", Array(script.utf8))
        #expect(chmod(org.paths.absolute("tools/probe.py"), 0o755) == 0)
        try await runWithTools(org, ticks: 1)
        let result = try results(org, "a", tick: 1)[0]
        #expect(result.output == "tcp connected; unix refused: [Errno 13] Permission denied", "\(result)")
        #expect(server.acceptedConnection())
    }
}
