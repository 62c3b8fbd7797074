import Testing

@testable import LemmingCore
@testable import LemmingProviders

@Test func scriptedEntryMakesAScriptedProvider() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    try directory.write("replies.jsonl", #"{"agent": "manager", "reply": "ok"}"#)
    let factory = ProviderFactory(environment: [:])
    let simulated = try factory.makeProvider(for: try modelEntry(["provider": "scripted"]), org: directory.paths)
    #expect(simulated is ScriptedProvider)
    let scripted = try factory.makeProvider(
        for: try modelEntry(["provider": "scripted", "replies": "replies.jsonl"]), org: directory.paths)
    #expect(scripted is ScriptedProvider)
}

@Test func scriptedEntryErrorsSurfaceFromTheFactory() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "scripted", "replies": "missing.jsonl"])
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, org: directory.paths)
    }
    #expect(error?.path == "missing.jsonl")
}

@Test func cliEntryMakesACommandProviderWithOnlyPathAndHome() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let environment = ["PATH": "/usr/bin:/bin", "HOME": "/home/model", "OPENAI_API_KEY": "sk-test-secret"]
    let entry = try modelEntry(
        ["provider": "cli", "command": ["python3", "model.py"], "timeout_seconds": 5, "env": ["MODE": "fast"]])
    let provider = try ProviderFactory(environment: environment).makeProvider(for: entry, org: directory.paths)
    let command = try #require(provider as? CommandProvider)
    #expect(command.command == ["python3", "model.py"])
    #expect(command.timeoutSeconds == 5)
    #expect(command.environment == ["PATH": "/usr/bin:/bin", "HOME": "/home/model", "MODE": "fast"])
    #expect(command.workingDirectory == directory.root)
}

@Test func cliEntryErrorsSurfaceFromTheFactory() throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(["provider": "cli", "command": []])
    let error = #expect(throws: LemmingError.self) {
        try ProviderFactory(environment: [:]).makeProvider(for: entry, org: directory.paths)
    }
    #expect(error?.field == "m.command")
}

@Test(arguments: ["openai", "anthropic", "gemini", "ollama", "openai_compatible"])
func networkProvidersAreNotAvailableInThisBuild(provider: String) throws {
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let entry = try modelEntry(
        ["provider": .string(provider), "model": "some-model", "api_key_env": "OPENAI_API_KEY"], key: "remote")
    let factory = ProviderFactory(environment: ["OPENAI_API_KEY": "sk-test-secret"])
    let error = #expect(throws: LemmingError.self) {
        try factory.makeProvider(for: entry, org: directory.paths)
    }
    #expect(error?.code == .provider)
    #expect(error?.message.contains("'\(provider)'") == true)
    #expect(error?.path == "models.json")
    #expect(error?.field == "remote.provider")
    #expect(error?.description.contains("sk-test-secret") == false)
}
