import Foundation
import LemmingCore
import LemmingJSON
import LemmingProcess
import LemmingTesting
import LemmingTools
import Testing

/// The fallback where the kernel has no Landlock: the same attacks against `shell`, with the
/// program in a bubblewrap sandbox (`bwrap` must be installed; `.ci/run` installs it).
@Suite(.timeLimit(.minutes(1))) struct BubblewrapSandboxTests {
    static func factory() throws -> BuiltinToolFactory {
        let bwrap = try #require(ProgramLocator.locate("bwrap", path: "/usr/bin:/bin"), "install bubblewrap")
        let sandbox = ProgramSandbox(kind: .bubblewrap(path: bwrap), launcher: TestSandbox.launcher)
        return BuiltinToolFactory(environment: testEnvironment, sandbox: sandbox)
    }

    @Test func theSortAttacksAreConfined() async throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        try FileSystem.writeAtomically(Array("TOP SECRET\n".utf8), to: outside + "/secret.txt")
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "cmds.txt", "content": .string(KernelSandboxTests.commands)]),
                        call(
                            "shell",
                            ["program": "sort", "args": ["-S", "1K", "-T", ".", "--compress-program=sh", "cmds.txt"]]),
                        call("shell", ["program": "sort", "args": .strings(["-uo\(outside)/out.txt", "cmds.txt"])]),
                        call("shell", ["program": "grep", "args": ["-R", "SECRET", "."]]),
                        call("shell", ["program": "sort", "args": ["-o", "sorted.txt", "cmds.txt"]]),
                    ])
            ])
        defer { org.remove() }
        try FileSystem.makeDirectory(org.paths.workspace("a"))
        #expect(symlink(outside, org.paths.workspace("a") + "/out") == 0)
        try await org.run(ticks: 1, tools: try Self.factory())
        let outcome = try results(org, "a", tick: 1)
        #expect(try org.read("agents/a/workspace/pwned.txt") == nil, "sort ran sh: \(outcome[1])")
        #expect(!FileSystem.exists(outside + "/out.txt"), "\(outcome[2])")
        #expect(!outcome[3].output.contains("TOP SECRET"), "\(outcome[3])")
        #expect(outcome[4].success, "\(outcome[4])")
        #expect(try org.read("agents/a/workspace/sorted.txt") != nil)
    }

    @Test func limitsAndTheNetworkFilterStillApply() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("shell", ["program": "sh", "args": ["-c", "while :; do :; done"]]),
                        call(
                            "shell",
                            [
                                "program": "python3",
                                "args": ["-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"],
                            ]),
                    ])
            ],
            config: [
                "tools": ["shell": ["allow": ["sh", "python3"], "timeout_seconds": 30], "limits": ["cpu_seconds": 1]]
            ])
        defer { org.remove() }
        try await org.run(ticks: 1, tools: try Self.factory())
        let outcome = try results(org, "a", tick: 1)
        // bwrap reports a child killed by a signal as status 128 + signal (SIGXCPU 24, SIGKILL 9).
        let stopped = ["signal", "status 152", "status 137"].contains { outcome[0].error?.contains($0) == true }
        #expect(!outcome[0].success && stopped, "\(outcome[0])")
        #expect(!outcome[1].success && outcome[1].output.contains("Permission denied"), "\(outcome[1])")
    }
}
