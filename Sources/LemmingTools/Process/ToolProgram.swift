import Foundation
import LemmingCore
import LemmingProcess

/// What the programs of `shell` and custom tools share: their sandbox policy (DESIGN §7), the
/// refusal where no sandbox exists, and how a runner failure reads to the agent.
enum ToolProgram {
    /// The policy of a tool's program: it reads the system's program and library folders (and
    /// `extraReadable`), reads and writes the agent's workspace and the org's `shared/`, executes
    /// only `executables` (with their interpreters and the dynamic loader), and has the org's
    /// `tools.limits`; the network only when `allowsNetwork`.
    static func policy(
        executables: [String], sandbox: Sandbox, searchPath: String, extraReadable: [String] = [],
        allowsNetwork: Bool, limits: ToolSettings.Limits
    ) -> SandboxPolicy {
        SandboxPolicy.program(
            executables: executables, writable: [sandbox.workspace, sandbox.shared], searchPath: searchPath,
            extraReadable: extraReadable, protecting: [FileSystem.parentDirectory(of: sandbox.shared), homeFolder],
            allowsNetwork: allowsNetwork,
            limits: ResourceLimits(
                cpuSeconds: limits.cpuSeconds, maxFileBytes: limits.maxFileBytes, maxProcesses: limits.maxProcesses,
                maxMemoryBytes: limits.maxMemoryBytes, maxOpenFiles: limits.maxOpenFiles))
    }

    /// The home folder of this process's user (never granted to a program, even as an
    /// installation root).
    static var homeFolder: String {
        ProcessInfo.processInfo.environment["HOME"] ?? "/root"
    }

    /// Creates the workspace and `shared/` (the sandbox's writable folders must exist).
    static func prepare(_ sandbox: Sandbox) -> String? {
        do {
            try FileSystem.makeDirectory(sandbox.workspace)
            try FileSystem.makeDirectory(sandbox.shared)
            return nil
        } catch {
            return "could not create the workspace: \(error.reason)"
        }
    }

    /// Why a program may not run here, or `nil`: with `mode` `kernel`, a machine without sandbox.
    static func refusal(
        _ mode: ToolSettings.SandboxMode, sandbox: ProgramSandbox, setting: String
    ) -> String? {
        guard mode == .kernel, !sandbox.isAvailable else { return nil }
        return "programs run only inside a kernel sandbox, and this machine has none (\(sandbox)); "
            + "the operator may opt out with \"sandbox\": \"none\" at lemming.json \(setting)"
    }

    /// The message of a runner failure.
    static func message(_ failure: ProcessRunner.Failure, program: String) -> String {
        switch failure {
        case .timedOut(let duration):
            return "\(program) did not finish within \(ProcessRunner.describe(timeout: duration)) and was stopped"
        case .couldNotStart(let reason):
            return reason
        case .sandboxUnavailable(let reason):
            return "\(program) was not run: no kernel sandbox (\(reason))"
        }
    }
}
