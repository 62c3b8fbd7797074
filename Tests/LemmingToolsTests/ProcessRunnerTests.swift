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
        let clock = StepClock()
        let runner = ProcessRunner(sandbox: Self.sandbox, clock: clock)
        async let result = runner.run(Self.request("/bin/sleep", ["30"], policy: Self.policy(["/bin/sleep"])))
        await clock.advanceWhenWaitedOn(by: .seconds(31))
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

/// A clock that moves only when the test moves it.
final class StepClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (left: Instant, right: Instant) -> Bool { left.offset < right.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var next = 0
        var sleepers: [Int: (deadline: Instant, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())
    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = (deadline, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume()
        }
        try Task.checkCancellation()
    }

    /// Waits until something sleeps on this clock, then moves it on by `duration`.
    func advanceWhenWaitedOn(by duration: Duration) async {
        while state.withLock({ $0.sleepers.isEmpty }) { await Task.yield() }
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let ids = state.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }
}
