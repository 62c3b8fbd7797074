import Foundation
import LemmingCore
import LemmingProcess
import LemmingTesting
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The shared runner and its launcher, below the tools: deadlines on an injected clock, and what
/// the sandbox does to a program run by root.
@Suite(.timeLimit(.minutes(1))) struct ProcessRunnerTests {
    static let sandbox = ProgramSandbox.detect(environment: TestSandbox.environment())

    static func request(_ executable: String, _ arguments: [String], policy: SandboxPolicy?) -> ProcessRunner.Request {
        ProcessRunner.Request(
            executable: executable, arguments: arguments, workingDirectory: "/", environment: ["PATH": "/usr/bin:/bin"],
            timeout: .seconds(30), outputLimit: 65_536, combineErrorWithOutput: true, policy: policy)
    }

    /// A policy that may run only `programs`, and write nothing but `/dev/null`.
    static func policy(_ programs: [String]) -> SandboxPolicy {
        SandboxPolicy(executable: programs + ProgramLocator.loaders)
    }

    @Test func theTimeoutRunsOnTheInjectedClock() async throws {
        let clock = ManualClock()
        let runner = ProcessRunner(sandbox: Self.sandbox, clock: clock)
        async let result = runner.run(Self.request("/bin/sleep", ["30"], policy: Self.policy(["/bin/sleep"])))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(31))
        guard case .failure(.timedOut(let duration)) = await result else {
            Issue.record("no timeout: \(await result)")
            return
        }
        #expect(duration == .seconds(30))
    }

    /// As root the program is `nobody` with only CAP_DAC_OVERRIDE; root's files, other processes'
    /// secrets and other programs stay out of reach.
    @Test func aProgramRunByRootIsConfinedToo() async throws {
        let runner = ProcessRunner(sandbox: Self.sandbox)
        let shell = "/bin/sh"
        let script = """
            echo uid=$(cat /proc/self/status | grep '^Uid' | tr -s '\\t' ' ')
            cat /etc/shadow > /dev/null 2>&1 && echo read-shadow
            cat /proc/1/environ > /dev/null 2>&1 && echo read-init-environ
            cat /proc/\(getpid())/environ > /dev/null 2>&1 && echo read-engine-environ
            kill -0 \(getpid()) 2>/dev/null && echo signalled-engine
            /usr/bin/id > /dev/null 2>&1 && echo ran-id
            echo x > /tmp/lemming-sandbox-probe 2>/dev/null && echo wrote-tmp
            echo done
            """
        let programs = ["/bin/sh", "/usr/bin/cat", "/usr/bin/grep", "/usr/bin/tr"]
        let result = await runner.run(Self.request(shell, ["-c", script], policy: Self.policy(programs)))
        guard case .success(let outcome) = result else {
            Issue.record("\(result)")
            return
        }
        let output = String(decoding: outcome.output, as: UTF8.self)
        if geteuid() == 0 { #expect(output.contains("uid=Uid: 65534 65534 65534 65534"), "\(output)") }
        for forbidden in [
            "read-shadow", "read-init-environ", "read-engine-environ", "signalled-engine", "ran-id", "wrote-tmp",
        ] {
            #expect(!output.contains(forbidden), "\(forbidden): \(output)")
        }
        #expect(output.hasSuffix("done\n"), "\(output)")
        #expect(!FileSystem.exists("/tmp/lemming-sandbox-probe"))
    }
}
