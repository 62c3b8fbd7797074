import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct ShellToolTests {
    @Test func allowListedProgramsRunInTheWorkspace() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "data.txt", "content": "b\na\nc\n"]),
                        call("shell", ["program": "sort", "args": ["data.txt"]]),
                        call("shell", ["program": "wc", "args": ["-l", "data.txt"]]),
                        call("shell", ["program": "ls"]),
                        call("shell", ["program": "cat", "args": ["missing.txt"]]),
                        call("shell", ["program": "rm", "args": ["data.txt"]]),
                        call("shell", ["program": "/bin/cat", "args": ["data.txt"]]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome[1].success && outcome[1].output == "a\nb\nc\n")
        #expect(outcome[2].success && outcome[2].output == "3 data.txt\n")
        // A coverage build's sandbox launcher (the instrumented `lemming`) leaves its empty profile,
        // default.profraw, in the working folder; a normal build nothing.
        let listed = outcome[3].output.split(separator: "\n").filter { $0 != "default.profraw" }
        #expect(outcome[3].success && listed == ["data.txt"])
        // A failing program is a failed result that still shows what it printed (stderr included).
        #expect(!outcome[4].success && outcome[4].error == "cat exited with status 1")
        #expect(outcome[4].output.contains("missing.txt"))
        #expect(!outcome[5].success && outcome[5].error?.hasPrefix("'rm' is not allowed") == true)
        #expect(!outcome[6].success && outcome[6].error?.hasPrefix("'/bin/cat' is not allowed") == true)
        #expect(try org.read("agents/a/workspace/data.txt") != nil)
    }

    /// No shell interprets arguments: pipes, `;`, `$()`, backquotes, redirections and globs are text.
    @Test func shellMetacharactersAreLiteralText() async throws {
        let hostile = ["a | cat /etc/passwd", ";", "rm", "-rf", ".", "$(id)", "`id`", "*", "&&", ">", "out.txt"]
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "a.txt", "content": "kept\n"]),
                        call("shell", ["program": "echo", "args": .strings(hostile)]),
                        call("shell", ["program": "ls", "args": ["*.txt"]]),
                        call("shell", ["program": "cat", "args": ["a.txt;id"]]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome[1].success && outcome[1].output == hostile.joined(separator: " ") + "\n")
        #expect(!outcome[2].success && outcome[2].output.contains("*.txt"), "\(outcome[2])")
        #expect(!outcome[3].success && outcome[3].output.contains("a.txt;id"), "\(outcome[3])")
        #expect(try org.text("agents/a/workspace/a.txt") == "kept\n")
        #expect(try org.read("agents/a/workspace/out.txt") == nil)
    }

    @Test func argumentsNamingPathsOutsideTheWorkspaceAreRefused() async throws {
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        let attempts: [[String]] = [
            ["/etc/passwd"], ["../resume.json"], ["notes/../../resume.json"], ["--file=/etc/passwd"],
            ["-f/etc/passwd"], ["-uo/etc/passwd"], ["-uo~/x"], ["~/.profile"], ["link/anything"], ["link"],
        ]
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell"])],
            replies: [calls("a", tick: 1, attempts.map { call("shell", ["program": "cat", "args": .strings($0)]) })])
        defer { org.remove() }
        try FileSystem.makeDirectory(org.paths.workspace("a"))
        #expect(symlink(outside, org.paths.workspace("a") + "/link") == 0)
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.count == attempts.count)
        for (attempt, result) in zip(attempts, outcome) {
            #expect(!result.success && result.output.isEmpty, "\(attempt) was not refused: \(result)")
        }
    }

    @Test func outputIsCappedAndMarkedTruncated() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell", "file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call(
                            "file_write", ["path": "big.txt", "content": .string(String(repeating: "z", count: 5000))]),
                        call("shell", ["program": "cat", "args": ["big.txt"]]),
                    ])
            ],
            config: ["tools": ["shell": ["max_output_bytes": 64]]])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let result = try results(org, "a", tick: 1)[1]
        #expect(result.success && result.truncated && result.output == String(repeating: "z", count: 64))
    }
}
