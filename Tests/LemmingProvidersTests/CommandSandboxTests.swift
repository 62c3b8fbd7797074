import Foundation
import LemmingCore
import LemmingJSON
import LemmingProcess
import LemmingTesting
import Testing

@testable import LemmingProviders

#if canImport(Glibc)
import Glibc
#endif

/// The `cli` provider's command runs in the kernel sandbox (issue 11 item 1), its stderr has its
/// own cap and name (item 15), and nothing it starts outlives the call (item 15).
@Suite(.timeLimit(.minutes(1))) struct CommandSandboxTests {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory()
    }

    func provider(_ body: String, extra: JSONObject = [:], sandbox: ProgramSandbox? = nil) throws -> CommandProvider {
        let script = try directory.write("model.sh", body + "\n")
        var document: JSONObject = ["provider": "cli", "command": .strings(["/bin/sh", script])]
        for (key, value) in extra { document[key] = value }
        let environment = TestSandbox.environment()
        let runner = ProcessRunner(sandbox: sandbox ?? ProgramSandbox.detect(environment: environment))
        return try CommandProvider(
            entry: try modelEntry(document), org: directory.paths, environment: environment, runner: runner)
    }

    /// 300 KiB on stderr is no stdout overflow: a good reply still counts, and a failure shows
    /// the end of stderr.
    @Test func alotOfStderrIsNotAStdoutOverflow() async throws {
        defer { directory.remove() }
        let noisy = "cat > /dev/null; head -c 307200 /dev/zero | tr '\\0' e >&2; echo ' the end' >&2"
        let good = try provider(noisy + #"; echo '{"notes": "ok"}'"#)
        #expect(try await good.complete(chatRequest()).text == "{\"notes\": \"ok\"}\n")
        let failing = try provider(noisy + "; exit 4")
        let error = await #expect(throws: ProviderError.self) { try await failing.complete(chatRequest()) }
        #expect(error?.message.contains("exited with status 4") == true, "\(String(describing: error))")
        #expect(error?.message.contains("the end") == true)
        #expect(error?.message.contains("stdout") == false)
        // stdout over its cap is named as stdout.
        let flooding = try provider("cat > /dev/null; head -c \(CommandProvider.maximumOutputBytes + 10) /dev/zero")
        let overflow = await #expect(throws: ProviderError.self) { try await flooding.complete(chatRequest()) }
        #expect(overflow?.message.contains("on stdout") == true, "\(String(describing: overflow))")
    }

    /// A command installed like a language runtime (a pyenv shim, a venv's `bin/python`) runs its
    /// installation's helpers: the folder above its `bin` is readable and executable, and nothing
    /// more (the org, where agents write, stays out).
    @Test func aCommandFromAnInstallationFolderRunsItsHelpers() async throws {
        defer { directory.remove() }
        let installation = try ScratchDirectory()
        defer { installation.remove() }
        let helper = try installation.write("libexec/helper", "#!/bin/sh\necho '{\"notes\": \"from the helper\"}'\n")
        let command = try installation.write("bin/model", "#!/bin/sh\ncat > /dev/null\nexec \(helper)\n")
        chmod(helper, 0o755)
        chmod(command, 0o755)
        let environment = TestSandbox.environment()
        let model = try CommandProvider(
            entry: try modelEntry(["provider": "cli", "command": .strings([command])]), org: directory.paths,
            environment: environment, runner: ProcessRunner(sandbox: ProgramSandbox.detect(environment: environment)))
        #expect(try await model.complete(chatRequest()).text == "{\"notes\": \"from the helper\"}\n")
        #expect(
            ProgramLocator.installationRoots(of: [command], protecting: [directory.root]) == [installation.root])
        // A program in the org's own bin/ gets no root: it would make the org executable.
        #expect(ProgramLocator.installationRoots(of: [directory.root + "/bin/x"], protecting: [directory.root]) == [])
        #expect(ProgramLocator.installationRoots(of: ["/usr/bin/python3"], protecting: []) == [])
    }

    /// A background child of the command is killed when the command has answered.
    @Test func aBackgroundChildDoesNotOutliveTheCall() async throws {
        defer { directory.remove() }
        let model = try provider(#"cat > /dev/null; sleep 60 & echo "{\"notes\": \"$!\"}""#)
        let reply = try await model.complete(chatRequest()).text
        let pid = try #require(try JSONValue.parse(reply)["notes"]?.stringValue.flatMap { Int32($0) })
        var gone = false
        for _ in 0..<200 where !gone {
            gone = kill(pid, 0) == -1
            if !gone { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(gone, "the command's child \(pid) outlived the call")
        if !gone { kill(pid, SIGKILL) }
    }

    /// The command writes only its scratch folder (and the entry's `writable` folders), reads no
    /// home or secret file, and has no network.
    @Test func theCommandIsConfined() async throws {
        defer { directory.remove() }
        let outside = try makeTemporaryDirectory(prefix: "lemming-outside-")
        defer { try? FileSystem.removeTree(outside) }
        try FileSystem.writeAtomically(Array("TOP SECRET\n".utf8), to: outside + "/secret.txt")
        let body = """
            cat > /dev/null
            echo x > "$TMPDIR/scratch.txt" && echo scratch-ok
            echo x > planted.txt 2>/dev/null && echo org-written
            echo x > \(outside)/planted.txt 2>/dev/null && echo outside-written
            cat \(outside)/secret.txt 2>/dev/null
            echo done
            """
        let text = try await provider(body).complete(chatRequest()).text
        #expect(text == "scratch-ok\ndone\n", "\(text)")
        #expect(try directory.read("planted.txt") == nil)
        #expect(!FileSystem.exists(outside + "/planted.txt"))
        // With the org listed as writable, the command may write there.
        let writable = try provider("cat > /dev/null; echo x > planted.txt && echo written", extra: ["writable": ["."]])
        #expect(try await writable.complete(chatRequest()).text == "written\n")
    }

    /// Without a sandbox on the machine the command is not run, unless its entry opts out.
    @Test func withoutASandboxTheCommandRunsOnlyWhenItsEntryOptsOut() async throws {
        defer { directory.remove() }
        let none = ProgramSandbox(kind: .unavailable(reason: "test machine"), launcher: nil)
        let refused = try provider("cat > /dev/null; echo ran", sandbox: none)
        let error = await #expect(throws: ProviderError.self) { try await refused.complete(chatRequest()) }
        #expect(error?.message.contains("\"sandbox\": \"none\"") == true, "\(String(describing: error))")
        let optedOut = try provider("cat > /dev/null; echo ran", extra: ["sandbox": "none"], sandbox: none)
        #expect(try await optedOut.complete(chatRequest()).text == "ran\n")
    }
}
