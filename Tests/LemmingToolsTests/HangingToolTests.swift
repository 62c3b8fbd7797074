import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A tool that hangs is stopped at its timeout, with everything it started.
@Suite(.timeLimit(.minutes(2))) struct HangingToolTests {
    /// Whether a process whose command line contains `marker` is alive.
    static func processRunning(_ marker: String) -> Bool {
        for name in (try? FileSystem.list("/proc")) ?? [] where name.allSatisfy(\.isNumber) {
            guard let bytes = try? FileSystem.readIfPresent("/proc/\(name)/cmdline") else { continue }
            let line = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if line.contains(marker) { return true }
        }
        return false
    }

    @Test func aHangingShellProgramTimesOut() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["shell"])],
            replies: [calls("a", tick: 1, [call("shell", ["program": "sleep", "args": ["37.25"]])])],
            config: ["tools": ["shell": ["allow": ["sleep"], "timeout_seconds": 0.5]]])
        defer { org.remove() }
        try await runWithTools(org, ticks: 1)
        let result = try #require(try results(org, "a", tick: 1).first)
        #expect(!result.success && result.error == "sleep did not finish within 0.5 s and was stopped")
        #expect(!Self.processRunning("37.25"))
    }

    /// A custom tool that ignores SIGTERM and leaves a child holding its stdout.
    @Test func aHangingCustomToolAndItsChildrenAreStopped() async throws {
        let org = try TemporaryOrg.make(
            agents: [toolAgent("a", tools: ["stuck"])],
            replies: [calls("a", tick: 1, [call("stuck")])],
            config: [
                "tools": [
                    "custom": [
                        [
                            "name": "stuck", "command": ["tools/stuck.sh", "41.75"], "timeout_seconds": 0.5,
                            "exec": ["sleep"],
                        ]
                    ]
                ]
            ])
        defer { org.remove() }
        try org.writeBytes("tools/stuck.sh", Array("#!/bin/sh\ntrap '' TERM\nsleep \"$1\" &\nsleep \"$1\"\n".utf8))
        #expect(chmod(org.paths.absolute("tools/stuck.sh"), 0o755) == 0)
        try await runWithTools(org, ticks: 1)
        let result = try #require(try results(org, "a", tick: 1).first)
        #expect(!result.success && result.error == "stuck did not finish within 0.5 s and was stopped")
        #expect(!Self.processRunning("41.75"))
    }
}
