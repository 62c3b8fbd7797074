import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The variable a coverage build's profile runtime sets in the instrumented sandbox launcher (the
/// `lemming` binary), which the programs it starts inherit; absent from a normal build.
private let coverageMarker = "__LLVM_PROFILE_RT_INIT_ONCE"

/// The holes of the predecessor (reference §14.3) and the sandbox rules of DESIGN §7, each
/// attacked through real turns. Every test here would fail on the predecessor's behaviour.
@Suite(.timeLimit(.minutes(2))) struct SandboxSecurityTests {
    static let fileTools = ["file_read", "file_write", "file_append", "file_list", "file_search"]

    /// A folder outside the org holding `secret.txt`.
    static func outsideFolder() throws -> String {
        let folder = try makeTemporaryDirectory(prefix: "lemming-outside-")
        try FileSystem.writeAtomically(Array("TOP SECRET\n".utf8), to: folder + "/secret.txt")
        return folder
    }

    static let escalation: JSONValue = [
        "name": "hr", "title": "HR", "short_description": "x", "instructions": "x", "model": ["key": "sim"],
        "permissions": ["read_outboxes": ["*"], "tools": ["shell", "create_agent"], "create_agents": true],
        "schedule": ["run_every_n_ticks": 1], "credits": ["max_credits": 1_000_000],
    ]

    /// S1: a resume written into a workspace is never discovered as an agent.
    @Test func aResumeWrittenIntoAWorkspaceNeverBecomesAnAgent() async throws {
        let resume = Self.escalation.compactText
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["file_write"])],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_write", ["path": "resume.json", "content": .string(resume)]),
                        call("file_write", ["path": "hr/resume.json", "content": .string(resume)]),
                        call("file_write", ["path": "agents/hr/resume.json", "content": .string(resume)]),
                        call("file_write", ["path": "shared/hr/resume.json", "content": .string(resume)]),
                    ])
            ])
        defer { org.remove() }
        try await runWithTools(org, ticks: 3)
        #expect(try results(org, "a", tick: 1).allSatisfy { $0.success })
        #expect(try org.read("agents/a/workspace/agents/hr/resume.json") != nil)
        let agents = try FileOrgStore(paths: org.paths).load().agents
        #expect(Set(agents.keys) == ["a", "human"])
        #expect(try org.read("agents/hr/resume.json") == nil)
        #expect(try org.turnRecords(of: "hr").isEmpty)
    }

    /// S2: the shell tool's environment holds `PATH` and nothing else, so no API key.
    @Test func theShellEnvironmentHoldsNoAPIKeys() async throws {
        setenv("LEMMING_TEST_OPENAI_API_KEY", "sk-test-do-not-leak-4242", 1)
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell"])],
            replies: [calls("a", tick: 1, [call("shell", ["program": "env"])])],
            config: ["tools": ["shell": ["allow": ["env"]]]])
        defer { org.remove() }
        // The engine runs with the whole process environment, secret included.
        let environment = ProcessInfo.processInfo.environment
        #expect(environment["LEMMING_TEST_OPENAI_API_KEY"] != nil)
        try await runWithTools(org, ticks: 1, environment: environment)
        let result = try #require(try results(org, "a", tick: 1).first)
        #expect(result.success)
        let names = result.output.split(separator: "\n").map { $0.prefix { $0 != "=" } }
        #expect(names.filter { $0 != coverageMarker } == ["PATH"])
        #expect(!result.output.contains("sk-test-do-not-leak"))
    }

    /// `..`, absolute paths and `~` are refused, and nothing outside the workspace changes.
    @Test func pathsThatLeaveTheSandboxAreRefused() async throws {
        let outside = NSTemporaryDirectory() + "lemming-escape-" + UUID().uuidString.lowercased()
        let attacks: [JSONValue] = [
            call("file_read", ["path": "../resume.json"]),
            call("file_read", ["path": "../../b/resume.json"]),
            call("file_read", ["path": "/etc/passwd"]),
            call("file_read", ["path": "~/.ssh/id_rsa"]),
            call("file_read", ["path": "shared/../../agents/b/resume.json"]),
            call("file_read", ["path": "notes/../../resume.json"]),
            call("file_list", ["path": ".."]),
            call("file_search", ["query": "model", "path": "../.."]),
            call("file_write", ["path": "../resume.json", "content": "{}"]),
            call("file_write", ["path": "../../b/workspace/x.txt", "content": "pwned"]),
            call("file_write", ["path": "../../b/outbox/1-b-0.json", "content": "{}"]),
            call("file_append", ["path": "../../b/resume.json", "content": "pwned"]),
            call("file_write", ["path": .string(outside), "content": "pwned"]),
            call("file_write", ["path": "a\u{0}b", "content": "x"]),
        ]
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools), toolAgent("b", tools: [], every: 1000)],
            replies: [calls("a", tick: 1, attacks)])
        defer { org.remove() }
        let before = try org.files(excluding: [
            "agents/a/workspace", "agents/a/logs", "agents/a/outbox", "state", "logs",
        ])
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.count == attacks.count)
        for (attack, result) in zip(attacks, outcome) {
            #expect(!result.success, "\(attack.compactText) succeeded: \(result)")
        }
        let after = try org.files(excluding: [
            "agents/a/workspace", "agents/a/logs", "agents/a/outbox", "state", "logs",
        ])
        #expect(after == before)
        #expect(!FileSystem.exists(outside))
    }

    /// Symlinks are never followed (`openat2` with `RESOLVE_NO_SYMLINKS`): one leading outside
    /// the sandbox, into another agent's folder, or even to `shared/` is refused.
    @Test func symlinksOutOfTheSandboxAreRefused() async throws {
        let outside = try Self.outsideFolder()
        defer { try? FileSystem.removeTree(outside) }
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools), toolAgent("b", tools: [], every: 1000)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_read", ["path": "secret"]),
                        call("file_read", ["path": "out/secret.txt"]),
                        call("file_write", ["path": "secret", "content": "overwritten"]),
                        call("file_append", ["path": "out/secret.txt", "content": "appended"]),
                        call("file_write", ["path": "out/new.txt", "content": "planted"]),
                        call("file_write", ["path": "peer/resume.json", "content": "{}"]),
                        call("file_read", ["path": "root/lemming.json"]),
                        call("file_list", ["path": "out"]),
                        call("file_search", ["query": "secret"]),
                        call("file_write", ["path": "toshared/note.txt", "content": "via a link inside"]),
                    ])
            ])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace)
        try FileSystem.makeDirectory(org.paths.shared)
        #expect(symlink(outside + "/secret.txt", workspace + "/secret") == 0)
        #expect(symlink(outside, workspace + "/out") == 0)
        #expect(symlink(org.paths.agent("b"), workspace + "/peer") == 0)
        #expect(symlink(org.root, workspace + "/root") == 0)
        #expect(symlink("../../../shared", workspace + "/toshared") == 0)
        let peerBefore = try org.files(excluding: ["agents/a", "state", "logs", "shared"])

        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.prefix(8).allSatisfy { !$0.success }, "\(outcome)")
        #expect(outcome[0].error?.contains("symlink") == true)
        // The search does not follow the links (it finds only the link names, not their content).
        #expect(outcome[8].success && !outcome[8].output.contains("TOP SECRET"), "\(outcome[8])")
        #expect(!outcome[9].success && outcome[9].error?.contains("symlink") == true, "\(outcome[9])")
        #expect(try org.read("shared/note.txt") == nil)
        #expect(try FileSystem.read(outside + "/secret.txt") == Array("TOP SECRET\n".utf8))
        #expect(try FileSystem.list(outside) == ["secret.txt"])
        #expect(try org.files(excluding: ["agents/a", "state", "logs", "shared"]) == peerBefore)
    }

    /// A hard link to a file outside passes every path check; files with several links are refused.
    @Test func hardLinksOutOfTheSandboxAreRefused() async throws {
        let outside = try Self.outsideFolder()
        defer { try? FileSystem.removeTree(outside) }
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_read", ["path": "linked.txt"]),
                        call("file_append", ["path": "linked.txt", "content": "appended"]),
                        call("file_write", ["path": "linked.txt", "content": "replaced"]),
                        call("file_search", ["query": "secret"]),
                    ])
            ])
        defer { org.remove() }
        let workspace = org.paths.workspace("a")
        try FileSystem.makeDirectory(workspace)
        try #require(link(outside + "/secret.txt", workspace + "/linked.txt") == 0, "no hard links across folders here")

        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.prefix(3).allSatisfy { !$0.success && $0.error?.contains("hard links") == true }, "\(outcome)")
        #expect(outcome[3].success && outcome[3].output == "(no matches)")
        #expect(try FileSystem.read(outside + "/secret.txt") == Array("TOP SECRET\n".utf8))
    }

    /// S7: reads are capped; writes beyond a file's or the workspace's cap are refused whole.
    @Test func oversizedReadsAndWritesAreCapped() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call("file_read", ["path": "huge.txt"]),
                        call(
                            "file_write",
                            ["path": "too-big.txt", "content": .string(String(repeating: "x", count: 1001))]),
                        call(
                            "file_write", ["path": "one.txt", "content": .string(String(repeating: "x", count: 900))]),
                    ])
            ],
            config: ["tools": ["files": ["max_read_bytes": 100, "max_file_bytes": 1000, "max_root_bytes": 3000]]])
        defer { org.remove() }
        // 1 MB already in the workspace (put there by the operator).
        try org.writeBytes("agents/a/workspace/huge.txt", [UInt8](repeating: 0x61, count: 1_000_000))

        // The workspace is over its 3000-byte cap already: even a small write is refused.
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome[0].success && outcome[0].truncated)
        #expect(outcome[0].output.hasPrefix(String(repeating: "a", count: 100) + "\n[bytes 0–100 of 1000000"))
        #expect(outcome[0].output.utf8.count < 200)
        #expect(!outcome[1].success && outcome[1].error?.contains("max_file_bytes") == true)
        #expect(!outcome[2].success && outcome[2].error?.contains("max_root_bytes") == true)
        #expect(try org.read("agents/a/workspace/too-big.txt") == nil)
        #expect(try org.read("agents/a/workspace/one.txt") == nil)
    }

    @Test func writesStopAtTheFileAndWorkspaceCaps() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: Self.fileTools)],
            replies: [
                calls(
                    "a", tick: 1,
                    [
                        call(
                            "file_write", ["path": "one.txt", "content": .string(String(repeating: "x", count: 900))]),
                        call(
                            "file_append", ["path": "one.txt", "content": .string(String(repeating: "y", count: 101))]),
                        call(
                            "file_write", ["path": "two.txt", "content": .string(String(repeating: "x", count: 900))]),
                        call(
                            "file_write", ["path": "three.txt", "content": .string(String(repeating: "x", count: 900))]),
                        call(
                            "file_write", ["path": "four.txt", "content": .string(String(repeating: "x", count: 900))]),
                    ])
            ],
            config: ["tools": ["files": ["max_file_bytes": 1000, "max_root_bytes": 3000]]])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let outcome = try results(org, "a", tick: 1)
        #expect(outcome.map(\.success) == [true, false, true, true, false], "\(outcome)")
        #expect(outcome[1].error?.contains("max_file_bytes") == true)
        #expect(outcome[4].error?.contains("max_root_bytes") == true)
        #expect(try org.read("agents/a/workspace/one.txt")?.count == 900)
        #expect(try org.read("agents/a/workspace/four.txt") == nil)
    }
}
