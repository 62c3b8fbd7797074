import Foundation
import LemmingCore
import LemmingJSON
import LemmingTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The kernel sandbox seen from the `lemming` binary: what `validate` and `doctor` report, and no
/// program a `cli` model starts survives `lemming run` (issue 11 items 1 and 15).
@Suite(.timeLimit(.minutes(2)))
struct SandboxCommandTests {
    @Test func validateAndDoctorSayWhichSandboxIsInForce() throws {
        let org = try TemporaryOrg.make(agents: [TestAgent("a")])
        defer { org.remove() }
        let abi = try #require(
            try Lemming.run(["validate", "--org", org.root]).stdout.split(separator: "\n").first {
                $0.hasPrefix("sandbox:")
            })
        #expect(abi.hasPrefix("sandbox: landlock ABI "), "\(abi)")
        let doctor = try Lemming.run(["doctor", "--no-call", "--org", org.root])
        #expect(doctor.stdout.contains("sandbox: landlock ABI "), "\(doctor.stdout)")
        let json = try JSONValue.parse(Array(try Lemming.run(["validate", "--json", "--org", org.root]).stdout.utf8))
        #expect(json["sandbox"]?.stringValue?.hasPrefix("landlock ABI ") == true)

        try org.write("lemming.json", ["format": 1, "name": "test", "tools": ["shell": ["sandbox": "none"]]])
        let optedOut = try Lemming.run(["validate", "--org", org.root]).stdout
        #expect(optedOut.contains("sandbox: none (opted out: tools.shell.sandbox)"), "\(optedOut)")
    }

    /// The model answers at once but leaves `sleep 60` running in the background.
    @Test func aBackgroundChildOfACLIModelDoesNotSurviveRun() async throws {
        let org = try Self.org(script: "cat > /dev/null; sleep 60 & echo $! > pids/child.pid; echo '{}'")
        defer { org.remove() }
        let result = try Lemming.run(["run", "--ticks", "1", "--org", org.root])
        #expect(result.status == 0, "\(result.stderr)")
        let pid = try #require(try Self.pid(org))
        #expect(try await Self.ends(pid), "the model's child \(pid) survived lemming run")
    }

    /// Stopped by a signal in the middle of the model call, `lemming run` takes the call's whole
    /// process group with it.
    @Test func aCLIModelsProcessesDoNotSurviveRunStoppedByASignal() async throws {
        let org = try Self.org(script: "cat > /dev/null; sleep 60 & echo $! > pids/child.pid; sleep 60; echo '{}'")
        defer { org.remove() }
        let process = Lemming.process(["run", "--org", org.root], in: org.root, environment: Lemming.environment())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var pid: Int32?
        while pid == nil, process.isRunning {
            pid = try Self.pid(org)
            if pid == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let child = try #require(pid)
        kill(process.processIdentifier, SIGINT)
        try await Task.sleep(for: .milliseconds(200))
        kill(process.processIdentifier, SIGQUIT)
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await Self.ends(child), "the model's child \(child) survived lemming run")
    }

    /// An org whose one agent's model is `sh -c script`, allowed to write `pids/`.
    static func org(script: String) throws -> TemporaryOrg {
        let org = try TemporaryOrg.make(
            agents: [TestAgent("a")], config: ["max_ticks": 100],
            models: [
                "sim": [
                    "provider": "cli", "command": ["sh", "-c", .string(script)], "timeout_seconds": 120,
                    "writable": ["pids"],
                ]
            ])
        try FileSystem.makeDirectory(org.root + "/pids")
        return org
    }

    static func pid(_ org: TemporaryOrg) throws -> Int32? {
        try org.read("pids/child.pid").flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingWhitespace()) }
    }

    /// Whether `pid` ends (polling, so that it can be reaped; the time limit bounds the wait).
    static func ends(_ pid: Int32) async throws -> Bool {
        for _ in 0..<200 {
            if kill(pid, 0) == -1 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        return false
    }
}
