import Foundation
import LemmingJSON
import LemmingProcess
import LemmingTesting
import Testing

@testable import LemmingCore
@testable import LemmingProviders

/// A model script that reads its stdin and reports what it saw as one JSON object on stdout.
/// The variable a coverage build's profile runtime sets in the instrumented sandbox launcher (the
/// `lemming` binary), which the programs it starts inherit; absent from a normal build.
private let coverageMarker = "__LLVM_PROFILE_RT_INIT_ONCE"

private let echoScript = """
    import json, os, sys
    stdin = json.loads(sys.stdin.read())
    try:
        raw = open("/proc/self/environ", "rb").read().decode()
        env = dict(item.split("=", 1) for item in raw.split("\\0") if item)
    except OSError:
        env = {k: v for k, v in os.environ.items() if k != "LC_CTYPE"}
    json.dump({"stdin": stdin, "argv": sys.argv[1:], "cwd": os.getcwd(), "env": env}, sys.stdout)
    """

private let testEnvironment: [String: String] = {
    var environment = TestSandbox.environment()
    environment["OPENAI_API_KEY"] = "sk-test-secret"
    environment["LEMMING_TEST_LEAK"] = "must-not-leak"
    return environment
}()

/// An org directory with the scripts the tests run.
private struct CommandFixture {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory()
        try directory.write("echo.py", echoScript)
    }

    var root: String { directory.root }

    /// A provider of `command`; `extra` adds entry fields (`"writable": ["."]` lets a script
    /// leave files such as pid files in the org for the test to read).
    func provider(
        _ command: [String],
        timeout: Double? = nil,
        env: JSONObject? = nil,
        extra: JSONObject = [:],
        environment: [String: String] = testEnvironment
    ) throws -> CommandProvider {
        var document: JSONObject = ["provider": "cli", "command": .strings(command)]
        if let timeout { document["timeout_seconds"] = .double(timeout) }
        if let env { document["env"] = .object(env) }
        for (key, value) in extra { document[key] = value }
        return try CommandProvider(entry: try modelEntry(document), org: directory.paths, environment: environment)
    }

    /// A `/bin/sh` script at `name` in the org, run as `["/bin/sh", path]`.
    func shell(_ name: String, _ body: String) throws -> [String] {
        ["/bin/sh", try directory.write(name, body + "\n")]
    }

    /// The process id a script wrote to `name`.
    func pid(_ name: String) throws -> Int32? {
        try directory.read(name).flatMap { Int32($0.trimmingWhitespace()) }
    }

    func remove() { directory.remove() }
}

/// Runs the echo script and returns what it reported.
private func echo(_ provider: CommandProvider, _ request: ChatRequest = chatRequest()) async throws -> JSONValue {
    try JSONValue.parse(try await provider.complete(request).text)
}

private func expectFailure(
    _ provider: CommandProvider,
    _ code: ProviderError.Code,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> ProviderError? {
    let error = await #expect(throws: ProviderError.self, sourceLocation: sourceLocation) {
        try await provider.complete(chatRequest())
    }
    #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
    return error
}

@Test(.timeLimit(.minutes(1)))
func stdinIsOneJSONObjectWithExactlyTheContractKeys() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let provider = try fixture.provider([pythonCommand, "echo.py"])
    let request = chatRequest(agent: "planner", tick: 7, prompt: "Hello \"model\"\nline two ✓")
    let stdin = try #require(try await echo(provider, request)["stdin"]?.objectValue)
    #expect(
        Set(stdin.keys) == ["agent", "tick", "model", "messages", "temperature", "max_tokens", "response_schema"])
    #expect(stdin["agent"] == "planner")
    #expect(stdin["tick"] == 7)
    #expect(stdin["model"] == "test-model")
    #expect(stdin["temperature"]?.doubleValue == 0.25)
    #expect(stdin["max_tokens"] == 512)
    #expect(stdin["response_schema"] == ["type": "object"])
    #expect(
        stdin["messages"] == [
            ["role": "system", "content": "You are planner."],
            ["role": "user", "content": "Hello \"model\"\nline two ✓"],
        ])

    var withoutSchema = request
    withoutSchema.responseSchema = nil
    let second = try #require(try await echo(provider, withoutSchema)["stdin"]?.objectValue)
    #expect(second["response_schema"] == .null)
    #expect(second.keys.count == 7)
}

@Test(.timeLimit(.minutes(1)))
func stdoutIsTheReplyTextVerbatim() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let script = try fixture.shell("reply.sh", #"cat > /dev/null; printf '  {"notes": "from the script"}\n\n'"#)
    let response = try await fixture.provider(script).complete(chatRequest())
    #expect(response.text == "  {\"notes\": \"from the script\"}\n\n")
    #expect(response.finishReason == "stop")
    #expect(response.usage == nil)
}

@Test(.timeLimit(.minutes(1)))
func workingDirectoryIsTheOrgRoot() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    // `echo.py` is found relative to the org, whatever the test process's directory is.
    let report = try await echo(try fixture.provider([pythonCommand, "echo.py"]))
    let cwd = try #require(report["cwd"]?.stringValue)
    let resolved = try #require(realpath(fixture.root, nil))
    defer { free(resolved) }
    #expect(cwd == fixture.root || cwd == String(cString: resolved))
}

@Test(.timeLimit(.minutes(1)))
func environmentHoldsOnlyPathHomeAndTheEntryEnv() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let provider = try fixture.provider(
        [pythonCommand, "echo.py"], env: ["MODEL_MODE": "test", "MODEL_TEMPERATURE": "0"])
    #expect(provider.environment["OPENAI_API_KEY"] == nil)
    let env = try #require(try await echo(provider)["env"]?.objectValue)
    #expect(
        Set(env.keys).subtracting([coverageMarker]) == ["PATH", "HOME", "TMPDIR", "MODEL_MODE", "MODEL_TEMPERATURE"])
    // TMPDIR is the call's scratch folder, removed after it.
    let scratch = try #require(env["TMPDIR"]?.stringValue)
    #expect(scratch.contains("lemming-cli-") && !FileSystem.exists(scratch))
    #expect(env["PATH"]?.stringValue == testEnvironment["PATH"])
    #expect(env["HOME"]?.stringValue == testEnvironment["HOME"])
    #expect(env["MODEL_MODE"] == "test")
    #expect(env["OPENAI_API_KEY"] == nil)
    #expect(!JSONValue.object(env).compactText.contains("sk-test-secret"))
}

@Test(.timeLimit(.minutes(1)))
func entryEnvOverridesPathAndHome() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let provider = try fixture.provider([pythonCommand, "echo.py"], env: ["HOME": "/tmp/model-home"])
    let env = try #require(try await echo(provider)["env"]?.objectValue)
    #expect(env["HOME"] == "/tmp/model-home")
}

@Test(.timeLimit(.minutes(1)))
func factoryMadeProviderDoesNotPassSecretsToTheCommand() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let entry = try modelEntry(["provider": "cli", "command": .strings([pythonCommand, "echo.py"])])
    let provider = try ProviderFactory(environment: testEnvironment).makeProvider(
        for: entry, registry: .builtIn, org: fixture.directory.paths)
    let text = try await provider.complete(chatRequest()).text
    let env = try #require(try JSONValue.parse(text)["env"]?.objectValue)
    #expect(Set(env.keys).subtracting([coverageMarker]) == ["PATH", "HOME", "TMPDIR"])
    #expect(!text.contains("sk-test-secret"))
    #expect(!text.contains("must-not-leak"))
}

@Test(.timeLimit(.minutes(1)))
func argumentsArePassedVerbatimWithoutAShell() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    try fixture.directory.write("hi", "a file a shell glob would find")
    let arguments = ["$(echo hi); ls *", "`id`", "a b", "'single' \"double\"", "$HOME", "x > out.txt", "", "*"]
    let report = try await echo(try fixture.provider([pythonCommand, "echo.py"] + arguments))
    #expect(report["argv"] == .strings(arguments))
    #expect(try fixture.directory.read("out.txt") == nil)
}

@Test(.timeLimit(.minutes(1)))
func consecutiveCallsAreIndependent() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let provider = try fixture.provider([pythonCommand, "echo.py", "--flag", "value"])
    for call in 1...3 {
        let report = try await echo(provider, chatRequest(tick: call, prompt: "prompt \(call)"))
        #expect(report["argv"] == ["--flag", "value"], "call \(call)")
        #expect(report["stdin"]?["tick"] == .int(call))
        #expect(report["stdin"]?["messages"]?.arrayValue?.last?["content"] == .string("prompt \(call)"))
    }
    #expect(provider.command == [pythonCommand, "echo.py", "--flag", "value"])
}

@Test(.timeLimit(.minutes(1)))
func nonZeroExitIsAProcessFailureWithStderr() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let script = try fixture.shell("fail.sh", "cat > /dev/null; echo partial; echo 'model exploded: quota' >&2; exit 3")
    let error = await expectFailure(try fixture.provider(script), .process)
    #expect(error?.message.contains("exited with status 3") == true)
    #expect(error?.message.contains("model exploded: quota") == true)
}

@Test(.timeLimit(.minutes(1)))
func killedCommandIsAProcessFailure() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let error = await expectFailure(try fixture.provider(try fixture.shell("kill.sh", "kill -9 $$")), .process)
    #expect(error?.message.contains("signal") == true)
}

@Test(.timeLimit(.minutes(1)), arguments: ["cat > /dev/null", "cat > /dev/null; printf ' \\n\\t\\n'"])
func emptyOutputIsAnEmptyReply(body: String) async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    _ = await expectFailure(try fixture.provider(try fixture.shell("empty.sh", body)), .emptyReply)
}

/// Runs `script` with a 0.5 s timeout on a test clock: once the script has written `pidFile`, the
/// clock passes the timeout. Returns the error and the pid the script wrote.
private func timeOut(
    _ fixture: CommandFixture, _ script: [String], pidFile: String
) async throws -> (ProviderError?, Int32) {
    let clock = ManualClock()
    let runner = ProcessRunner(sandbox: ProgramSandbox.detect(environment: testEnvironment), clock: clock)
    var document: JSONObject = ["provider": "cli", "command": .strings(script), "timeout_seconds": 0.5]
    document["writable"] = ["."]
    let provider = try CommandProvider(
        entry: try modelEntry(document), org: fixture.directory.paths, environment: testEnvironment, runner: runner)
    async let outcome: ProviderError? = {
        do {
            _ = try await provider.complete(chatRequest())
            return nil
        } catch {
            return error as? ProviderError
        }
    }()
    var pid: Int32?
    while pid == nil {
        pid = try fixture.pid(pidFile)
        if pid == nil { try await Task.sleep(for: .milliseconds(20)) }
    }
    await clock.waitForSleepers(1)
    clock.advance(by: .seconds(1))
    return (await outcome, try #require(pid))
}

/// Whether `pid` ends (polling; the test's time limit bounds the wait).
private func ends(_ pid: Int32) async throws -> Bool {
    for _ in 0..<200 {
        if kill(pid, 0) == -1 { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    kill(pid, SIGKILL)
    return false
}

@Test(.timeLimit(.minutes(1)))
func slowCommandTimesOutAndIsStopped() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let script = try fixture.shell("slow.sh", "echo $$ > slow.pid; exec sleep 30")
    let (error, pid) = try await timeOut(fixture, script, pidFile: "slow.pid")
    #expect(error?.code == .timeout, "\(String(describing: error))")
    #expect(error?.message.contains("0.5") == true)
    #expect(try await ends(pid), "the command \(pid) outlived its timeout")
}

@Test(.timeLimit(.minutes(1)))
func timeoutAlsoStopsTheCommandsChildren() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let script = try fixture.shell("spawner.sh", "sleep 30 & echo $! > child.pid; wait")
    let (error, pid) = try await timeOut(fixture, script, pidFile: "child.pid")
    #expect(error?.code == .timeout, "\(String(describing: error))")
    #expect(try await ends(pid), "the command's child \(pid) outlived the timeout")
}

@Test(.timeLimit(.minutes(1)))
func outputOverTheLimitIsAProcessFailure() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let bytes = CommandProvider.maximumOutputBytes + 1
    let script = try fixture.shell("big.sh", "cat > /dev/null; exec head -c \(bytes) /dev/zero")
    let error = await expectFailure(try fixture.provider(script), .process)
    #expect(error?.message.contains("\(CommandProvider.maximumOutputBytes)") == true)
}

@Test(.timeLimit(.minutes(1)))
func outputJustUnderTheLimitIsAccepted() async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let bytes = CommandProvider.maximumOutputBytes - 1
    let script = try fixture.shell("large.sh", "cat > /dev/null; exec head -c \(bytes) /dev/zero | tr '\\0' x")
    let response = try await fixture.provider(script).complete(chatRequest())
    #expect(response.text.utf8.count == bytes)
}

@Test(.timeLimit(.minutes(1)), arguments: ["lemming-no-such-command-7f3a9c", "/nonexistent/lemming-model"])
func missingCommandIsAProcessFailure(command: String) async throws {
    let fixture = try CommandFixture()
    defer { fixture.remove() }
    let error = await expectFailure(try fixture.provider([command]), .process)
    #expect(error?.message.contains(command) == true)
}

/// Invalid `cli` entries and the field their error names.
private let invalidEntries: [(JSONObject, String)] = [
    (["provider": "cli"], "m.command"),
    (["provider": "cli", "command": []], "m.command"),
    (["provider": "cli", "command": [""]], "m.command"),
    (["provider": "cli", "command": "python3 model.py"], "m.command"),
    (["provider": "cli", "command": ["python3", 3]], "m.command"),
    (["provider": "cli", "command": ["python3", .null]], "m.command"),
    (["provider": "cli", "command": ["python3"], "timeout_seconds": -1], "m.timeout_seconds"),
    (["provider": "cli", "command": ["python3"], "timeout_seconds": 0], "m.timeout_seconds"),
    (["provider": "cli", "command": ["python3"], "timeout_seconds": "60"], "m.timeout_seconds"),
    (["provider": "cli", "command": ["python3"], "env": "A=1"], "m.env"),
    (["provider": "cli", "command": ["python3"], "env": ["A", "1"]], "m.env"),
    (["provider": "cli", "command": ["python3"], "env": ["A": 1]], "m.env.A"),
    (["provider": "cli", "command": ["python3"], "sandbox": "off"], "m.sandbox"),
    (["provider": "cli", "command": ["python3"], "sandbox": false], "m.sandbox"),
    (["provider": "cli", "command": ["python3"], "network": "yes"], "m.network"),
    (["provider": "cli", "command": ["python3"], "writable": "/tmp"], "m.writable"),
    (["provider": "cli", "command": ["python3"], "writable": [""]], "m.writable"),
]

@Test(arguments: invalidEntries)
func invalidEntryThrowsAtConstruction(document: JSONObject, field: String) throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(document)
    let error = #expect(throws: LemmingError.self) {
        try CommandProvider(entry: entry, org: directory.paths, environment: testEnvironment)
    }
    #expect(error?.code == .invalidFile)
    #expect(error?.path == "models.json")
    #expect(error?.field == field)
}

@Test func validEntryKeepsItsSettings() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "cli", "command": ["python3", "model.py"], "env": .null])
    let provider = try CommandProvider(entry: entry, org: directory.paths, environment: ["PATH": "/bin"])
    #expect(provider.command == ["python3", "model.py"])
    #expect(provider.timeoutSeconds == 60)
    #expect(provider.environment == ["PATH": "/bin"])
    #expect(provider.workingDirectory == directory.root)
}
